//! Multi-row statements: a sync page of a thousand notices is a handful of
//! statements, not seven per notice (a statement's round trip, not its
//! rows, is what a bulk write pays for). Each table's module builds its own
//! statements with these helpers.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Arguments};

use super::Backend;

/// Rows per statement for `cols` columns. On SQLite about 250 parameters: Far below
/// either database's limit, and small enough for sqlx's SQLite driver,
/// which finds each parameter by name among all of them (quadratic: at
/// 4,500 parameters a statement, that search was a quarter of a sync's CPU).
/// On PostgreSQL every statement is a round trip, so it takes about 5,000.
pub(super) fn rows_per_statement(backend: Backend, cols: usize) -> usize {
    let params = match backend {
        Backend::Sqlite => 250,
        Backend::Postgres => 5000,
    };
    (params / cols.max(1)).max(1)
}

/// `($1, $2), ($3, $4), …` for `rows` rows of `cols` columns.
pub(super) fn values(rows: usize, cols: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(r * cols + c + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// A value bound to a multi-row statement.
#[derive(Debug, Clone)]
pub(super) enum Value {
    /// Text.
    Text(String),
    /// Integer.
    Int(i64),
    /// Integer or NULL.
    MaybeInt(Option<i64>),
    /// Text or NULL.
    MaybeText(Option<String>),
    /// Bytes.
    Bytes(Vec<u8>),
}

/// The statement `sql` with `args` bound in order.
pub(super) fn query(sql: &str, args: Vec<Value>) -> Query<'_, Any, AnyArguments<'_>> {
    let mut bound = AnyArguments::default();
    for a in args {
        let added = match a {
            Value::Text(v) => bound.add(v),
            Value::Int(v) => bound.add(v),
            Value::MaybeInt(v) => bound.add(v),
            Value::MaybeText(v) => bound.add(v),
            Value::Bytes(v) => bound.add(v),
        };
        added.expect("text, integers and bytes always encode");
    }
    sqlx::query_with(sql, bound)
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_every_cell() {
        assert_eq!(super::values(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(super::values(1, 1), "($1)");
    }
}
