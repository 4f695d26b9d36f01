//! The store is read-only to SQL: only trailcut's ingest commands write to it, under the
//! store's lock, with de-duplication and the usage rollup. Every plan is checked before it
//! runs; refused are writes (`INSERT`, `UPDATE`, `DELETE`, `TRUNCATE`, ...) to a store
//! table or to any table over files inside the store, `COPY ... TO` and `--out` paths
//! inside the store (after symbolic links and `..` are resolved), and creating, replacing
//! or dropping a store table's name. Everything else SQL can do is left alone, as in
//! datafusion-cli: reading and writing files outside the store, tables of one's own.

use std::path::{Component, Path, PathBuf};

use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{SchemaReference, TableReference};
use datafusion::datasource::listing::{ListingTable, ListingTableUrl};
use datafusion::datasource::{TableProvider, source_as_provider};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{DdlStatement, LogicalPlan, WriteOp};

/// What SQL may not write to: the store's directory and its tables' names.
#[derive(Debug, Clone)]
pub struct StoreGuard {
    /// The store's root with symbolic links resolved.
    root: PathBuf,
    /// The store's tables, in the session's default catalog and schema.
    tables: Vec<String>,
    catalog: String,
    schema: String,
}

impl StoreGuard {
    /// A guard for the store at `root` whose `tables` are registered in `catalog.schema`.
    pub fn new(root: &Path, tables: &[String], catalog: &str, schema: &str) -> Self {
        Self {
            root: resolve(root),
            tables: tables.to_vec(),
            catalog: catalog.to_owned(),
            schema: schema.to_owned(),
        }
    }

    /// Refuses a plan that would write into the store, anywhere in it (subqueries and
    /// `EXPLAIN ANALYZE` included).
    pub fn check(&self, plan: &LogicalPlan) -> Result<()> {
        plan.apply_with_subqueries(|node| {
            self.check_node(node)?;
            Ok(TreeNodeRecursion::Continue)
        })?;
        Ok(())
    }

    /// Refuses a file or directory to write to when it lies inside the store.
    pub fn check_output(&self, target: &str) -> Result<()> {
        let url = ListingTableUrl::parse(target)?;
        match url.scheme() {
            "file" => {
                let path = url
                    .get_url()
                    .to_file_path()
                    .map_err(|()| DataFusionError::Plan(format!("`{target}` is not a path")))?;
                if self.contains(&path) {
                    return Err(self.refusal(&format!("writing to `{target}`")));
                }
                Ok(())
            }
            crate::store::view::URL_SCHEME => Err(self.refusal(&format!("writing to `{target}`"))),
            _ => Ok(()),
        }
    }

    fn check_node(&self, node: &LogicalPlan) -> Result<()> {
        match node {
            LogicalPlan::Dml(dml) => {
                let into_store = self.is_store_table(&dml.table_name)
                    || source_as_provider(&dml.target)
                        .ok()
                        .is_some_and(|provider| self.reads_store_files(provider.as_ref()));
                if into_store {
                    let verb = match &dml.op {
                        WriteOp::Insert(_) => "inserting into",
                        WriteOp::Delete => "deleting from",
                        WriteOp::Update => "updating",
                        WriteOp::Truncate => "truncating",
                        WriteOp::Ctas => "creating",
                        WriteOp::MergeInto(_) => "merging into",
                        _ => "writing to",
                    };
                    return Err(self.refusal(&format!("{verb} `{}`", dml.table_name)));
                }
                Ok(())
            }
            LogicalPlan::Copy(copy) => self.check_output(&copy.output_url),
            LogicalPlan::Ddl(ddl) => {
                let name = match ddl {
                    DdlStatement::CreateExternalTable(c) => Some(("replacing", &c.name)),
                    DdlStatement::CreateMemoryTable(c) => Some(("replacing", &c.name)),
                    DdlStatement::CreateView(c) => Some(("replacing", &c.name)),
                    DdlStatement::DropTable(d) => Some(("dropping", &d.name)),
                    DdlStatement::DropView(d) => Some(("dropping", &d.name)),
                    DdlStatement::DropCatalogSchema(d) => {
                        let catalog = match &d.name {
                            SchemaReference::Full { catalog, .. } => catalog,
                            SchemaReference::Bare { .. } => self.catalog.as_str(),
                        };
                        if *catalog == *self.catalog && d.name.schema_name() == self.schema {
                            return Err(self.refusal(&format!("dropping the schema `{}`", d.name)));
                        }
                        None
                    }
                    _ => None,
                };
                match name {
                    Some((verb, name)) if self.is_store_table(name) => {
                        Err(self.refusal(&format!("{verb} `{name}`")))
                    }
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    fn is_store_table(&self, name: &TableReference) -> bool {
        let resolved = name.clone().resolve(&self.catalog, &self.schema);
        *resolved.catalog == *self.catalog
            && *resolved.schema == *self.schema
            && self.tables.iter().any(|t| *t == *resolved.table)
    }

    /// Whether a table provider reads files inside the store (a store table, or a user's
    /// external table over the store's directories).
    fn reads_store_files(&self, provider: &dyn TableProvider) -> bool {
        let provider: &dyn std::any::Any = provider;
        let Some(listing) = provider.downcast_ref::<ListingTable>() else {
            return false;
        };
        listing.table_paths().iter().any(|url| match url.scheme() {
            "file" => url
                .get_url()
                .to_file_path()
                .is_ok_and(|path| self.contains(&path)),
            scheme => scheme == crate::store::view::URL_SCHEME,
        })
    }

    fn contains(&self, path: &Path) -> bool {
        resolve(path).starts_with(&self.root)
    }

    fn refusal(&self, what: &str) -> DataFusionError {
        DataFusionError::Plan(format!(
            "{what} refused: the store `{}` is read-only to SQL (trailcut's ingest \
             commands write to it); write query results outside it",
            self.root.display()
        ))
    }
}

/// `path` as the file system resolves it: absolute, the longest existing prefix with its
/// symbolic links resolved, the rest (not yet created) appended with `..` applied.
fn resolve(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let components: Vec<Component<'_>> = absolute.components().collect();
    for split in (1..=components.len()).rev() {
        let head: PathBuf = components[..split].iter().collect();
        if let Ok(mut resolved) = head.canonicalize() {
            for part in &components[split..] {
                match part {
                    Component::ParentDir => {
                        resolved.pop();
                    }
                    Component::Normal(name) => resolved.push(name),
                    _ => {}
                }
            }
            return resolved;
        }
    }
    absolute
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_through_links_and_parent_steps() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        std::fs::create_dir_all(store.join("events")).unwrap();
        std::os::unix::fs::symlink(store.join("events"), dir.path().join("link")).unwrap();
        let guard = StoreGuard::new(&store, &["events".into()], "datafusion", "public");
        for inside in [
            store.join("events/x.parquet"),
            store.join("new/deeper/x.parquet"),
            dir.path().join("link/x.parquet"),
            dir.path().join("link/new/x.parquet"),
            dir.path().join("elsewhere/../store/x.parquet"),
        ] {
            assert!(guard.contains(&inside), "{}", inside.display());
        }
        for outside in [
            dir.path().join("x.parquet"),
            dir.path().join("store2/x.parquet"),
            store.join("../x.parquet"),
        ] {
            assert!(!guard.contains(&outside), "{}", outside.display());
        }
    }

    #[test]
    fn store_table_names_resolve_in_the_default_schema() {
        let guard = StoreGuard::new(Path::new("/s"), &["events".into()], "datafusion", "public");
        assert!(guard.is_store_table(&TableReference::bare("events")));
        assert!(guard.is_store_table(&TableReference::partial("public", "events")));
        assert!(guard.is_store_table(&TableReference::full("datafusion", "public", "events")));
        assert!(!guard.is_store_table(&TableReference::partial("other", "events")));
        assert!(!guard.is_store_table(&TableReference::bare("mine")));
    }
}
