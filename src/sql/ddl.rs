//! `trailcut store ddl`: the CREATE TABLE statements with which Athena, Trino or Spark read
//! the store's Parquet files where they are published (`s3://BUCKET/PREFIX/<table>/`),
//! with the exact column types of the files and the `date` partitions of `events` and
//! `usage` (partition projection in Athena, so no partition is ever added by hand).
//!
//! The statements are for someone else to run: every name is quoted for the engine and
//! the location is refused unless it is a plain `s3://` URL, so nothing in it can end a
//! string literal.

use arrow::datatypes::{DataType, Field, Schema, TimeUnit};

/// The engine the statements are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Athena,
    Trino,
    Spark,
}

/// A location, database or table name the statements cannot carry safely.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DdlError {
    #[error(
        "location `{0}` is not a plain s3:// URL (or file:/// for Spark and Trino; letters, \
         digits and - _ . / = + only): trailcut writes no statement around it"
    )]
    Location(String),
    #[error("database name `{0}` must be letters, digits and _ (starting with a letter or _)")]
    Database(String),
}

/// The tables partitioned by day (`<table>/date=YYYY-MM-DD/`).
const BY_DAY: [&str; 2] = ["events", "usage"];

/// `text` is a plain identifier: `[A-Za-z_][A-Za-z0-9_]*`.
fn plain_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The location without a trailing `/`, when it is a plain `s3://` URL (or, for Spark and
/// Trino, which also read local folders, a plain `file:///` URL).
pub fn check_location(engine: Engine, location: &str) -> Result<String, DdlError> {
    let rest = match location.strip_prefix("file:///") {
        Some(path) if engine != Engine::Athena => Some(path),
        _ => location.strip_prefix("s3://"),
    };
    let ok = rest.is_some_and(|rest| {
        !rest.is_empty()
            && !rest.starts_with('/')
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=+".contains(c))
            && !rest.split('/').any(|part| part == "..")
    });
    if ok {
        Ok(location.trim_end_matches('/').to_owned())
    } else {
        Err(DdlError::Location(location.to_owned()))
    }
}

impl Engine {
    /// An identifier quoted for the engine (our names are plain; quoting guards the words
    /// an engine reserves, such as `date`).
    fn ident(self, name: &str) -> String {
        match self {
            Engine::Trino => format!("\"{}\"", name.replace('"', "\"\"")),
            Engine::Athena | Engine::Spark => format!("`{}`", name.replace('`', "``")),
        }
    }

    /// A string literal (the location, already restricted to characters that need no
    /// escape; quoted anyway).
    fn literal(self, text: &str) -> String {
        match self {
            // Spark reads `\` as an escape and joins adjacent literals: escape, never double.
            Engine::Spark => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'")),
            Engine::Athena | Engine::Trino => format!("'{}'", text.replace('\'', "''")),
        }
    }

    /// The engine's type for an Arrow type of the store's files.
    pub fn type_name(self, data_type: &DataType) -> String {
        let trino = self == Engine::Trino;
        match data_type {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                if trino { "varchar" } else { "string" }.to_owned()
            }
            DataType::Boolean => "boolean".to_owned(),
            DataType::Int8 => "tinyint".to_owned(),
            DataType::Int16 | DataType::UInt8 => "smallint".to_owned(),
            DataType::Int32 | DataType::UInt16 => if trino { "integer" } else { "int" }.to_owned(),
            // No engine has unsigned types; the store's counts fit in a signed 64-bit.
            DataType::Int64 | DataType::UInt32 | DataType::UInt64 => "bigint".to_owned(),
            DataType::Float32 => if trino { "real" } else { "float" }.to_owned(),
            DataType::Float64 => "double".to_owned(),
            DataType::Date32 | DataType::Date64 => "date".to_owned(),
            DataType::Timestamp(unit, _) => match (self, unit) {
                (Engine::Trino, TimeUnit::Microsecond) => "timestamp(6)".to_owned(),
                (Engine::Trino, TimeUnit::Nanosecond) => "timestamp(9)".to_owned(),
                (Engine::Trino, _) => "timestamp(3)".to_owned(),
                _ => "timestamp".to_owned(),
            },
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
                if trino { "varbinary" } else { "binary" }.to_owned()
            }
            DataType::List(f) | DataType::LargeList(f) | DataType::ListView(f) => {
                let inner = self.type_name(f.data_type());
                if trino {
                    format!("array({inner})")
                } else {
                    format!("array<{inner}>")
                }
            }
            DataType::Struct(fields) => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|f| {
                        let t = self.type_name(f.data_type());
                        if trino {
                            format!("{} {t}", self.ident(f.name()))
                        } else {
                            format!("{}:{t}", self.ident(f.name()))
                        }
                    })
                    .collect();
                if trino {
                    format!("row({})", parts.join(", "))
                } else {
                    format!("struct<{}>", parts.join(","))
                }
            }
            DataType::Map(entries, _) => match entries.data_type() {
                DataType::Struct(kv) if kv.len() == 2 => {
                    let (k, v) = (
                        self.type_name(kv[0].data_type()),
                        self.type_name(kv[1].data_type()),
                    );
                    if trino {
                        format!("map({k}, {v})")
                    } else {
                        format!("map<{k},{v}>")
                    }
                }
                _ => "string".to_owned(),
            },
            DataType::Dictionary(_, value) => self.type_name(value),
            // Nothing else is written by the store; a string reads anything as text.
            _ => if trino { "varchar" } else { "string" }.to_owned(),
        }
    }
}

/// The statements for `tables` (name and the schema of their files, `date` included for
/// the tables partitioned by day) under `location`, in `database`.
pub fn statements(
    engine: Engine,
    database: &str,
    location: &str,
    tables: &[(String, Schema)],
) -> Result<String, DdlError> {
    if !plain_identifier(database) {
        return Err(DdlError::Database(database.to_owned()));
    }
    let location = check_location(engine, location)?;
    let db = engine.ident(database);
    let mut out = String::new();
    out.push_str(&match engine {
        Engine::Athena | Engine::Spark => format!("CREATE DATABASE IF NOT EXISTS {db};\n"),
        Engine::Trino => format!(
            "CREATE SCHEMA IF NOT EXISTS hive.{db} WITH (location = {});\n",
            engine.literal(&format!("{location}/"))
        ),
    });
    for (name, schema) in tables {
        let by_day = BY_DAY.contains(&name.as_str());
        let columns: Vec<&Field> = schema
            .fields()
            .iter()
            .map(|f| f.as_ref())
            .filter(|f| !(by_day && f.name() == "date"))
            .collect();
        let table_location = format!("{location}/{name}/");
        let column_lines = |extra: Option<&str>| -> String {
            let mut lines: Vec<String> = columns
                .iter()
                .map(|f| {
                    format!(
                        "  {} {}",
                        engine.ident(f.name()),
                        engine.type_name(f.data_type())
                    )
                })
                .collect();
            if let Some(extra) = extra {
                lines.push(format!("  {extra}"));
            }
            lines.join(",\n")
        };
        out.push('\n');
        match engine {
            Engine::Athena => {
                out.push_str(&format!(
                    "CREATE EXTERNAL TABLE IF NOT EXISTS {db}.{} (\n{}\n)\n",
                    engine.ident(name),
                    column_lines(None)
                ));
                if by_day {
                    out.push_str(&format!("PARTITIONED BY ({} date)\n", engine.ident("date")));
                }
                out.push_str(&format!(
                    "STORED AS PARQUET\nLOCATION {}",
                    engine.literal(&table_location)
                ));
                if by_day {
                    let template = format!("{location}/{name}/date=${{date}}/");
                    out.push_str(&format!(
                        "\nTBLPROPERTIES (\n  'projection.enabled' = 'true',\n  \
                         'projection.date.type' = 'date',\n  \
                         'projection.date.format' = 'yyyy-MM-dd',\n  \
                         'projection.date.range' = '2013-11-01,NOW',\n  \
                         'projection.date.interval' = '1',\n  \
                         'projection.date.interval.unit' = 'DAYS',\n  \
                         'storage.location.template' = {}\n)",
                        engine.literal(&template)
                    ));
                }
                out.push_str(";\n");
            }
            Engine::Trino => {
                let date = by_day.then(|| format!("{} date", engine.ident("date")));
                out.push_str(&format!(
                    "CREATE TABLE IF NOT EXISTS hive.{db}.{} (\n{}\n)\nWITH (\n  format = 'PARQUET',\n  external_location = {}",
                    engine.ident(name),
                    column_lines(date.as_deref()),
                    engine.literal(&table_location)
                ));
                if by_day {
                    out.push_str(",\n  partitioned_by = ARRAY['date']");
                }
                out.push_str("\n);\n");
                if by_day {
                    out.push_str(&format!(
                        "CALL hive.system.sync_partition_metadata({}, {}, 'FULL');\n",
                        engine.literal(database),
                        engine.literal(name)
                    ));
                }
            }
            Engine::Spark => {
                let date = by_day.then(|| format!("{} DATE", engine.ident("date")));
                out.push_str(&format!(
                    "CREATE TABLE IF NOT EXISTS {db}.{} (\n{}\n)\nUSING PARQUET\n",
                    engine.ident(name),
                    column_lines(date.as_deref())
                ));
                if by_day {
                    out.push_str(&format!("PARTITIONED BY ({})\n", engine.ident("date")));
                }
                out.push_str(&format!("LOCATION {};\n", engine.literal(&table_location)));
                if by_day {
                    out.push_str(&format!("MSCK REPAIR TABLE {db}.{};\n", engine.ident(name)));
                }
            }
        }
    }
    Ok(out)
}

/// The statements for every table of the store `session` reads (not the views and
/// tables computed when read: `sessions`, `event_people`, `sso_roles`).
pub async fn store_statements(
    session: &super::Session,
    engine: Engine,
    database: &str,
    location: &str,
) -> anyhow::Result<String> {
    let mut tables = Vec::new();
    for name in session.tables() {
        if name == super::people::SESSIONS || super::people::VIEWS.contains(&name.as_str()) {
            continue;
        }
        let table = session.context().table(name.as_str()).await?;
        tables.push((name.clone(), table.schema().as_arrow().clone()));
    }
    Ok(statements(engine, database, location, &tables)?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn schema() -> Schema {
        Schema::new(vec![
            Field::new("eventname", DataType::Utf8, false),
            Field::new(
                "eventtime",
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                false,
            ),
            Field::new(
                "iam_actions",
                DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
                true,
            ),
            Field::new(
                "useridentity",
                DataType::Struct(
                    vec![
                        Field::new("type", DataType::Utf8, true),
                        Field::new("arn", DataType::Utf8, true),
                    ]
                    .into(),
                ),
                true,
            ),
            Field::new("events", DataType::UInt64, false),
            Field::new("date", DataType::Date32, false),
        ])
    }

    #[test]
    fn each_engine_gets_its_types_and_partitions() {
        let tables = vec![("events".to_owned(), schema())];
        let athena = statements(Engine::Athena, "trailcut", "s3://b/p/", &tables).unwrap();
        assert!(athena.contains("`iam_actions` array<string>"), "{athena}");
        assert!(
            athena.contains("`useridentity` struct<`type`:string,`arn`:string>"),
            "{athena}"
        );
        assert!(athena.contains("PARTITIONED BY (`date` date)"), "{athena}");
        assert!(athena.contains("LOCATION 's3://b/p/events/'"), "{athena}");
        assert!(athena.contains("'storage.location.template' = 's3://b/p/events/date=${date}/'"));
        assert!(
            !athena.contains("`date` date,"),
            "the partition is not a column too"
        );
        let trino = statements(Engine::Trino, "trailcut", "s3://b/p", &tables).unwrap();
        assert!(trino.contains("\"eventtime\" timestamp(6)"), "{trino}");
        assert!(trino.contains("\"useridentity\" row(\"type\" varchar, \"arn\" varchar)"));
        assert!(trino.contains("\"date\" date\n)"), "{trino}");
        assert!(trino.contains("partitioned_by = ARRAY['date']"));
        let spark = statements(Engine::Spark, "trailcut", "s3://b/p", &tables).unwrap();
        assert!(spark.contains("`events` bigint"), "{spark}");
        assert!(spark.contains("PARTITIONED BY (`date`)\nLOCATION 's3://b/p/events/';"));
        assert!(spark.contains("MSCK REPAIR TABLE `trailcut`.`events`;"));
    }

    #[test]
    fn a_hostile_location_or_database_is_refused_not_quoted() {
        let tables = vec![("manifest".to_owned(), schema())];
        for bad in [
            "s3://b/p'; DROP TABLE x; --",
            "s3://b/$(id)",
            "s3://b/`x`",
            "s3://b/p\\",
            "s3://b/p\nx",
            "https://b/p",
            "s3://",
            "s3:///abs",
            "s3://b/../x",
        ] {
            for engine in [Engine::Athena, Engine::Trino, Engine::Spark] {
                assert_eq!(
                    statements(engine, "trailcut", bad, &tables),
                    Err(DdlError::Location(bad.to_owned()))
                );
            }
        }
        assert!(matches!(
            statements(Engine::Athena, "a`b", "s3://b/p", &tables),
            Err(DdlError::Database(_))
        ));
        assert_eq!(Engine::Spark.literal("a'b\\"), "'a\\'b\\\\'");
        // A local folder, for Spark and Trino in local mode; not for Athena.
        let local = statements(Engine::Spark, "trailcut", "file:///tmp/store", &tables).unwrap();
        assert!(
            local.contains("LOCATION 'file:///tmp/store/manifest/';"),
            "{local}"
        );
        assert!(statements(Engine::Athena, "trailcut", "file:///tmp/store", &tables).is_err());
        assert!(statements(Engine::Spark, "trailcut", "file:///tmp/a b", &tables).is_err());
        assert_eq!(Engine::Athena.literal("a'b"), "'a''b'");
    }
}
