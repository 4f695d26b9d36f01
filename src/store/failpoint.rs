//! Crash points for tests: `TRAILCUT_FAILPOINT=<site>` (or `<site>#<n>`, the n-th time the
//! site is reached) ends the process there with status [`EXIT_STATUS`], as a kill would:
//! no destructor runs, nothing buffered is flushed to the store. The crash tests kill a
//! writer at every step of a swap this way instead of guessing when to send a signal.
//!
//! Without the variable a site costs one load of a cached value.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The status a process stopped at a failpoint exits with.
pub const EXIT_STATUS: i32 = 86;

struct Armed {
    site: String,
    hit: u64,
    seen: AtomicU64,
}

fn armed() -> Option<&'static Armed> {
    static ARMED: OnceLock<Option<Armed>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let spec = std::env::var("TRAILCUT_FAILPOINT").ok()?;
            let (site, hit) = match spec.split_once('#') {
                Some((site, n)) => (site, n.parse().ok()?),
                None => (spec.as_str(), 1),
            };
            Some(Armed {
                site: site.to_owned(),
                hit,
                seen: AtomicU64::new(0),
            })
        })
        .as_ref()
}

/// Marks a step of a write; the process ends here when the step is armed.
pub fn hit(site: &str) {
    let Some(armed) = armed() else {
        return;
    };
    if armed.site == site && armed.seen.fetch_add(1, Ordering::SeqCst) + 1 == armed.hit {
        std::process::exit(EXIT_STATUS);
    }
}
