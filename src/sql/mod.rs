//! SQL over the store with Apache DataFusion: the session with every store table
//! registered, statement execution, named queries from `queries/*.sql`, and output
//! formats. The CLI's `query` verb and the demo are thin layers over this module.

pub mod ddl;
pub mod error;
pub mod events;
pub mod iam;
pub mod named;
pub mod output;
pub mod people;
pub mod read_only;
pub mod report;
pub mod resources;
pub mod scan;
pub mod sso;
pub mod tighten;
pub mod udfs;

pub use error::{SqlError, SqlResult};

use arrow::array::RecordBatch;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::cache::cache_manager::CacheManagerConfig;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::parser::DFParser;

use std::sync::Arc;

use crate::store::Store;
use crate::store::tables::register_store;
use crate::store::view::StoreView;

/// The read-only check of a session's statements.
fn guard(ctx: &SessionContext, store: &Store, tables: &[String]) -> read_only::StoreGuard {
    let options = ctx.state().config_options().catalog.clone();
    read_only::StoreGuard::new(
        store.root(),
        tables,
        &options.default_catalog,
        &options.default_schema,
    )
}

/// A DataFusion session over a store: one committed snapshot of it, from the first
/// statement to the last (see [`StoreView`]).
pub struct Session {
    ctx: SessionContext,
    store: Store,
    view: Arc<StoreView>,
    tables: Vec<String>,
    iam_names: Arc<crate::request::resource::IamNames>,
    rollup: bool,
    guard: read_only::StoreGuard,
}

/// Opens the view a session reads. A store whose snapshot a writer would change (none
/// yet, a file deleted by hand, events files without their rollup) is repaired first when
/// it is free; `false` with the view when its rollup still lags its events.
fn open_view(store: &Store) -> Result<(Arc<StoreView>, bool)> {
    let external = |e: crate::store::StoreError| DataFusionError::External(Box::new(e));
    let view = StoreView::open(store).map_err(external)?;
    if !store.exists() || !view.needs_repair() {
        return Ok((Arc::new(view), true));
    }
    // The lease is given back first, so that the repair's commit can delete retired files.
    drop(view);
    let problem = match store.open_for_write() {
        Ok(_lock) => None,
        Err(crate::store::StoreError::Locked(_)) => {
            Some("while another trailcut writes to it".to_owned())
        }
        // A store on read-only media: it can still be queried, without the rollup.
        Err(e) => Some(format!("and cannot be brought up to date ({e})")),
    };
    let view = StoreView::open(store).map_err(external)?;
    for missing in view.missing() {
        eprintln!(
            "warning: `{missing}` of the store `{}` is missing; it is left out",
            store.root().display()
        );
    }
    let rollup = !view.rollup_lags();
    if let (false, Some(problem)) = (rollup, problem) {
        eprintln!(
            "warning: the usage rollup of `{}` lags its events {problem}; tighten reads \
             usage from the events",
            store.root().display()
        );
    }
    Ok((Arc::new(view), rollup))
}

impl Session {
    /// Opens a session with every table of `store` registered, as its last commit left
    /// it. A usage rollup that lags the events (a store from before the rollup) is brought
    /// up to date first, unless another trailcut is writing to the store.
    pub async fn open(store: &Store) -> Result<Self> {
        let (view, rollup) = open_view(store)?;
        let rollup =
            std::env::var_os("TRAILCUT_USAGE_FROM").is_none_or(|v| v != "events") && rollup;
        let config = SessionConfig::new()
            .with_information_schema(true)
            .with_collect_statistics(true);
        // No cache of file listings: a store table's listing is the view's, in memory, and
        // a cached one would outlive `refresh`.
        let runtime = RuntimeEnvBuilder::new()
            .with_cache_manager(CacheManagerConfig::default().with_list_files_cache_limit(0))
            .build_arc()?;
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        udfs::register(&ctx)?;
        people::register_functions(&ctx);
        let mut tables = register_store(&ctx, Arc::clone(&view)).await?;
        tables.extend(people::register_relations(&ctx).await?);
        let iam_names = crate::store::usage::load_iam_names(store)
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        let iam_names = Arc::new(iam_names);
        resources::register(&ctx, Arc::clone(&iam_names));
        let guard = guard(&ctx, store, &tables);
        Ok(Self {
            ctx,
            store: store.clone(),
            view,
            tables,
            iam_names,
            rollup,
            guard,
        })
    }

    /// Moves the session to the store's last commit if a writer has committed since it
    /// opened (the interactive shell, before each statement). Tables of one's own stay.
    pub async fn refresh(&mut self) -> Result<()> {
        if self.view.is_current() {
            return Ok(());
        }
        let (view, rollup) = open_view(&self.store)?;
        for name in &self.tables {
            self.ctx.deregister_table(name.as_str())?;
        }
        self.tables = register_store(&self.ctx, Arc::clone(&view)).await?;
        self.tables
            .extend(people::register_relations(&self.ctx).await?);
        self.guard = guard(&self.ctx, &self.store, &self.tables);
        self.view = view;
        self.rollup = self.rollup && rollup;
        Ok(())
    }

    /// Whether usage evidence is read from the rollup (`usage`) rather than by scanning
    /// `events`: always, unless the rollup could not be brought up to date or
    /// `TRAILCUT_USAGE_FROM=events` asks for the scan (to compare the two).
    pub fn reads_rollup(&self) -> bool {
        self.rollup
    }

    /// The IAM snapshot's users, groups and roles by name (empty without one), for
    /// [`crate::request::resource::event_resources`].
    pub fn iam_names(&self) -> &crate::request::resource::IamNames {
        &self.iam_names
    }

    /// The DataFusion context, for callers that build plans themselves.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Names of the registered store tables.
    pub fn tables(&self) -> &[String] {
        &self.tables
    }

    /// Runs one or more `;`-separated statements and returns the batches of the last.
    /// A statement that would write into the store is refused before anything runs
    /// ([`read_only`]); the statements before it have run.
    pub async fn run(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        let statements = DFParser::parse_sql(sql)?;
        if statements.is_empty() {
            return Err(DataFusionError::Plan("no SQL statement given".into()));
        }
        let mut last = Vec::new();
        for statement in statements {
            let state = self.ctx.state();
            let plan = state.statement_to_plan(statement).await?;
            self.guard.check(&plan)?;
            last = self.ctx.execute_logical_plan(plan).await?.collect().await?;
        }
        Ok(last)
    }

    /// Runs one statement and writes its result to a Parquet file, which must lie outside
    /// the store.
    pub async fn run_to_parquet(&self, sql: &str, path: &std::path::Path) -> Result<()> {
        let target = path.to_string_lossy();
        self.guard.check_output(&target)?;
        let plan = self.ctx.state().create_logical_plan(sql).await?;
        self.guard.check(&plan)?;
        let df = self.ctx.execute_logical_plan(plan).await?;
        let options =
            datafusion::dataframe::DataFrameWriteOptions::new().with_single_file_output(true);
        df.write_parquet(&target, options, None).await?;
        Ok(())
    }
}
