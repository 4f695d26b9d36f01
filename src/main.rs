//! The `trailcut` binary: parse the command line, run it, turn the outcome into an exit
//! status. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;

// Ingest allocates and frees many small strings per record on every core; mimalloc's
// thread-local free lists make that markedly cheaper than glibc's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = trailcut::cli::Cli::parse();
    match trailcut::cli::run(cli) {
        Ok(status) => status.into(),
        Err(error) => {
            eprintln!("error: {error:#}");
            trailcut::cli::Status::Error.into()
        }
    }
}
