//! `insert_token`, the hot write: a token in, the oldest active ones beyond the limit archived,
//! with its statements prepared once for the writer's life (looking each one up in the
//! statement cache and handing it back cost as much as running a small one).

use rusqlite::{Connection, OptionalExtension, Statement, params};

use super::writer::Writer;
use super::{db_err, hash_at, i, meta_text};
use crate::error::{Error, Result};
use crate::store::{TokenHash, TokenRecord};

/// The statements of [`insert_token_in`], prepared on the writer's connection.
pub(super) struct InsertStatements<'c> {
    user: Statement<'c>,
    insert: Statement<'c>,
    oldest: Statement<'c>,
    archive: Statement<'c>,
    unpush: Statement<'c>,
    update_user: Statement<'c>,
}

impl<'c> InsertStatements<'c> {
    fn prepare(c: &'c Connection) -> rusqlite::Result<Self> {
        Ok(InsertStatements {
            user: c.prepare("SELECT active, last_seq, archived_below FROM users WHERE app = ?1 AND uid = ?2")?,
            insert: c.prepare(
                "INSERT INTO tokens (app, hash, uid, seq, redacted, created_at, expires_at, meta) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?,
            oldest: c.prepare(
                "SELECT id, seq, hash FROM tokens WHERE app = ?1 AND uid = ?2 AND seq >= ?3 ORDER BY seq LIMIT ?4",
            )?,
            archive: c.prepare("UPDATE tokens SET archived_at = ?2 WHERE id = ?1")?,
            unpush: c.prepare("DELETE FROM push WHERE app = ?1 AND token_hash = ?2")?,
            update_user: c.prepare(
                "UPDATE users SET active = ?3, last_seq = ?4, archived_below = ?5 WHERE app = ?1 AND uid = ?2",
            )?,
        })
    }
}

/// Inserts a token and archives the oldest active ones beyond `keep`: a read and an update of
/// the user row, one insert (the row, at the table's end, and two index entries) and, per
/// archived token, an update of its row and a push delete. No count and no `archived_at` index:
/// the user row says how many are active and from which `seq` on (see schema v2).
pub(super) fn insert_token_in(w: &Writer<'_>, app: &str, t: &TokenRecord, keep: u32) -> Result<Vec<TokenHash>> {
    let mut prepared = w.insert.borrow_mut();
    let s = match &mut *prepared {
        Some(s) => s,
        None => prepared.insert(InsertStatements::prepare(w.conn).map_err(db_err)?),
    };
    let user: Option<(i64, i64, i64)> =
        s.user.query_row(params![app, t.uid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional().map_err(db_err)?;
    let Some((active, last_seq, mut below)) = user else {
        return Err(Error::UserNotFound(t.uid.clone()));
    };
    let seq = last_seq + 1;
    let (created_at, expires_at) = (i(t.created_at), t.expires_at.map(i));
    s.insert
        .execute(params![app, &t.hash[..], t.uid, seq, t.redacted, created_at, expires_at, meta_text(&t.meta)])
        .map_err(db_err)?;
    let excess = if keep == 0 { 0 } else { active + 1 - i64::from(keep) };
    let mut archived = Vec::new();
    if excess > 0 {
        // Every token from `archived_below` on is active: the oldest are the first ones there.
        let oldest: Vec<(i64, i64, TokenHash)> = s
            .oldest
            .query_map(params![app, t.uid, below, excess], |r| Ok((r.get(0)?, r.get(1)?, hash_at(r, 2)?)))
            .and_then(|rows| rows.collect())
            .map_err(db_err)?;
        for (id, old_seq, hash) in oldest {
            s.archive.execute(params![id, created_at]).map_err(db_err)?;
            s.unpush.execute(params![app, &hash[..]]).map_err(db_err)?;
            below = old_seq + 1;
            archived.push(hash);
        }
    }
    let active = active + 1 - archived.len() as i64;
    s.update_user.execute(params![app, t.uid, active, seq, below]).map_err(db_err)?;
    Ok(archived)
}
