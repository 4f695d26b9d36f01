//! SQL over the store with Apache DataFusion: the session with every store table
//! registered, statement execution, named queries from `queries/*.sql`, and output
//! formats. The CLI's `query` verb and the demo are thin layers over this module.

pub mod events;
pub mod iam;
pub mod named;
pub mod output;
pub mod read_only;
pub mod resources;
pub mod tighten;
pub mod udfs;

use arrow::array::RecordBatch;
use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::parser::DFParser;

use crate::store::Store;
use crate::store::tables::register_store;

/// A DataFusion session over a store.
pub struct Session {
    ctx: SessionContext,
    tables: Vec<String>,
    iam_names: std::sync::Arc<crate::eval::resource::IamNames>,
    rollup: bool,
    guard: read_only::StoreGuard,
}

/// Whether the store's usage rollup matches its events, repairing it when the store is
/// free; `false` when it lags and another process holds the store.
fn rollup_current(store: &Store) -> Result<bool> {
    let external = |e: crate::store::StoreError| DataFusionError::External(Box::new(e));
    if !store.exists()
        || crate::store::usage::drift(store)
            .map_err(external)?
            .is_empty()
    {
        return Ok(true);
    }
    match store.open_for_write() {
        Ok(_lock) => Ok(true),
        Err(crate::store::StoreError::Locked(_)) => {
            eprintln!(
                "warning: the usage rollup of `{}` lags its events while another trailcut \
                 writes to it; tighten reads usage from the events",
                store.root().display()
            );
            Ok(false)
        }
        // A store on read-only media: it can still be queried, without the rollup.
        Err(e) => {
            eprintln!(
                "warning: the usage rollup of `{}` lags its events and cannot be brought up \
                 to date ({e}); tighten reads usage from the events",
                store.root().display()
            );
            Ok(false)
        }
    }
}

impl Session {
    /// Opens a session with every table of `store` registered. A usage rollup that lags
    /// the events (a store from before the rollup) is brought up to date first, unless
    /// another trailcut is writing to the store.
    pub async fn open(store: &Store) -> Result<Self> {
        let rollup = std::env::var_os("TRAILCUT_USAGE_FROM").is_none_or(|v| v != "events")
            && rollup_current(store)?;
        let config = SessionConfig::new()
            .with_information_schema(true)
            .with_collect_statistics(true);
        let ctx = SessionContext::new_with_config(config);
        udfs::register(&ctx)?;
        let tables = register_store(&ctx, store).await?;
        let iam_names = crate::store::usage::load_iam_names(store)
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        let iam_names = std::sync::Arc::new(iam_names);
        resources::register(&ctx, std::sync::Arc::clone(&iam_names));
        let guard = {
            let options = ctx.state().config_options().catalog.clone();
            read_only::StoreGuard::new(
                store.root(),
                &tables,
                &options.default_catalog,
                &options.default_schema,
            )
        };
        Ok(Self {
            ctx,
            tables,
            iam_names,
            rollup,
            guard,
        })
    }

    /// Whether usage evidence is read from the rollup (`usage`) rather than by scanning
    /// `events`: always, unless the rollup could not be brought up to date or
    /// `TRAILCUT_USAGE_FROM=events` asks for the scan (to compare the two).
    pub fn reads_rollup(&self) -> bool {
        self.rollup
    }

    /// The IAM snapshot's users, groups and roles by name (empty without one), for
    /// [`crate::eval::resource::event_resources`].
    pub fn iam_names(&self) -> &crate::eval::resource::IamNames {
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
