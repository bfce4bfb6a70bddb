//! The only code that touches SQLite. The control plane keeps its state in memory and writes
//! every change through this store in one `BEGIN IMMEDIATE` transaction before it answers, so
//! an acknowledged write survives a crash; at start the whole state is loaded back.
//!
//! Objects are stored as records: a kind (`service`, `vpc`, …), an id, the owning account and a
//! JSON body. Relations live in the bodies; the control plane, which holds everything in
//! memory, enforces them.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored record {kind}/{id} is not valid JSON: {source}")]
    Corrupt { kind: String, id: String, source: serde_json::Error },
    #[error("the database schema is version {found}, newer than this binary understands ({known})")]
    TooNew { found: i64, known: i64 },
}

/// One stored object.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub kind: String,
    pub id: String,
    pub account: String,
    pub body: Value,
}

/// One change of a write; a write commits all its changes or none.
#[derive(Debug, Clone)]
pub enum Change {
    Put(Record),
    Delete { kind: String, id: String },
}

/// Numbered migrations; each runs once, in order, inside a transaction.
const MIGRATIONS: &[&str] = &[
    // 1: records and metadata.
    "CREATE TABLE records (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        account TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, id)
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    // 2: VPCs and local instances are keyed `account:id` (each account has ids of its own).
    "UPDATE records SET id = account || ':' || id
        WHERE kind IN ('vpc', 'local_instance') AND instr(id, ':') = 0;",
];

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::init(Connection::open(path)?)
    }

    /// An in-memory store, for tests.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let mut store = Self { conn };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
        let current: i64 = self
            .conn
            .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get::<_, Option<i64>>(0))?
            .unwrap_or(0);
        let known = MIGRATIONS.len() as i64;
        if current > known {
            return Err(StoreError::TooNew { found: current, known });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(sql)?;
            tx.execute("INSERT INTO schema_version (version) VALUES (?1)", params![i as i64 + 1])?;
            tx.commit()?;
        }
        Ok(())
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))?)
    }

    /// Every record, in a stable order.
    pub fn load_all(&self) -> Result<Vec<Record>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT kind, id, account, body FROM records ORDER BY kind, id")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, id, account, body) = row?;
            let body = serde_json::from_str(&body).map_err(|source| StoreError::Corrupt {
                kind: kind.clone(),
                id: id.clone(),
                source,
            })?;
            out.push(Record { kind, id, account, body });
        }
        Ok(out)
    }

    /// Applies all changes atomically (and durably: WAL with `synchronous=FULL`).
    pub fn commit(&mut self, changes: &[Change], meta: &[(&str, String)]) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO records (kind, id, account, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (kind, id) DO UPDATE SET account = excluded.account, body = excluded.body",
            )?;
            let mut delete = tx.prepare_cached("DELETE FROM records WHERE kind = ?1 AND id = ?2")?;
            let mut set_meta = tx.prepare_cached(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?;
            for change in changes {
                match change {
                    Change::Put(r) => {
                        put.execute(params![r.kind, r.id, r.account, r.body.to_string()])?;
                    }
                    Change::Delete { kind, id } => {
                        delete.execute(params![kind, id])?;
                    }
                }
            }
            for (key, value) in meta {
                set_meta.execute(params![key, value])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every metadata entry whose key starts with `prefix`.
    pub fn meta_with_prefix(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT key, value FROM meta WHERE substr(key, 1, ?2) = ?1")?;
        let rows = stmt.query_map(params![prefix, prefix.len() as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| r.get(0)).optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(kind: &str, id: &str) -> Record {
        Record { kind: kind.into(), id: id.into(), account: "000000000000".into(), body: json!({ "name": id }) }
    }

    #[test]
    fn records_survive_reopening_the_database() {
        let dir = std::env::temp_dir().join(format!("lattice-store-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.db");
        {
            let mut store = Store::open(&path).unwrap();
            store
                .commit(
                    &[Change::Put(record("service", "svc-1")), Change::Put(record("vpc", "vpc-1"))],
                    &[("k", "v".into())],
                )
                .unwrap();
            store.commit(&[Change::Delete { kind: "vpc".into(), id: "vpc-1".into() }], &[]).unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.load_all().unwrap(), vec![record("service", "svc-1")]);
        assert_eq!(store.meta("k").unwrap().as_deref(), Some("v"));
        assert_eq!(store.meta_with_prefix("k").unwrap(), vec![("k".to_string(), "v".to_string())]);
        assert!(store.meta_with_prefix("x").unwrap().is_empty());
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_put_replaces_the_previous_body() {
        let mut store = Store::open_in_memory().unwrap();
        store.commit(&[Change::Put(record("service", "svc-1"))], &[]).unwrap();
        let mut updated = record("service", "svc-1");
        updated.body = json!({ "name": "renamed" });
        store.commit(&[Change::Put(updated.clone())], &[]).unwrap();
        assert_eq!(store.load_all().unwrap(), vec![updated]);
    }

    #[test]
    fn vpcs_and_instances_stored_under_their_bare_ids_move_to_account_keys() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);",
        )
        .unwrap();
        for (kind, id) in [("vpc", "vpc-1"), ("local_instance", "i-1"), ("service", "svc-1")] {
            conn.execute("INSERT INTO records VALUES (?1, ?2, '111111111111', '{}')", params![kind, id]).unwrap();
        }
        let store = Store::init(conn).unwrap();
        let ids: Vec<String> = store.load_all().unwrap().into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["111111111111:i-1", "svc-1", "111111111111:vpc-1"]);
        assert_eq!(store.schema_version().unwrap(), 2);
    }
}
