//! The write half of a bulk registry import (docs/registry-format.md,
//! "Bulk load"): households and members already checked by
//! [`crate::households::Importer`] go into the database in the fastest
//! form each backend has, inside the importer's one transaction —
//! SQLite: one prepared statement per table, stepped once per row through
//! SQLite's own C interface (no per-value boxing, no statement text per
//! chunk); PostgreSQL: binary `COPY … FROM STDIN`.
//!
//! The rows are the same the single-household path writes
//! ([`crate::households::create`]): ID numbers and phones sealed with the
//! data key, the same lookup hashes, the same text of times. Sealing and
//! hashing (the costly part, measured in docs/benchmarks.md) run on both
//! cores, split in halves.

use crate::StoreError;
use crate::crypto::DataKey;
use crate::db::{Tx, TxConn};
use chrono::{DateTime, SecondsFormat, Utc};
use dixian_domain::{Household, Member};

/// One member row as stored: the member with its sealed and hashed values.
pub(crate) struct MemberRow<'a> {
    household_id: i64,
    position: i64,
    member: &'a Member,
    id_sealed: String,
    id_hash: String,
    tails: [String; 3],
    phone: Option<String>,
}

/// The member rows of `households` (id, household), sealed and hashed on
/// both cores when there are enough of them to pay for a thread.
pub(crate) fn member_rows<'a>(
    key: &DataKey,
    households: &[(i64, &'a Household)],
) -> Vec<MemberRow<'a>> {
    fn rows<'a>(key: &DataKey, part: &[(i64, &'a Household)]) -> Vec<MemberRow<'a>> {
        let mut out = Vec::with_capacity(part.len() * 4);
        for (id, h) in part {
            for (p, m) in h.members.iter().enumerate() {
                let number = m.id_number.as_str();
                let (id_hash, tails) = key.person_hashes(number);
                out.push(MemberRow {
                    household_id: *id,
                    position: p as i64,
                    member: m,
                    id_sealed: key.seal("id_number", number),
                    id_hash,
                    tails,
                    phone: key.seal_opt("phone", m.phone.as_deref()),
                });
            }
        }
        out
    }
    if households.len() < 256 {
        return rows(key, households);
    }
    let (a, b) = households.split_at(households.len() / 2);
    std::thread::scope(|s| {
        let second = s.spawn(|| rows(key, b));
        let mut first = rows(key, a);
        // A panic in the helper thread is a bug; it surfaces here as one.
        first.extend(second.join().expect("sealing thread"));
        first
    })
}

/// Writes `households` (each with the id it is given) and their member
/// rows in `tx`. The ids are fresh: the caller reserved them.
pub(crate) async fn write(
    tx: &mut Tx,
    households: &[(i64, &Household)],
    members: &[MemberRow<'_>],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    match &mut tx.conn {
        TxConn::Sqlite(t) => {
            let mut handle = (&mut **t).lock_handle().await?;
            let db = handle.as_raw_handle();
            // SAFETY: the handle is locked for this call (no other use of
            // the connection meanwhile) and outlives the statements, which
            // `Stmt` finalizes on drop.
            unsafe { sqlite::write(db.as_ptr(), households, members, now) }
        }
        TxConn::Postgres(t) => {
            let mut copy = t
                .copy_in_raw(
                    "COPY households (id, number, village_code, village_group, address, category, formerly_poor, \
                     housing, water, farmland_mu, forest_mu, income_wage, income_production, income_property, \
                     income_transfer, medical_expense, schooling_expense, head_name, member_count, created_at, \
                     updated_at) FROM STDIN (FORMAT binary)",
                )
                .await?;
            copy.send(pg::households(households, now)).await?;
            copy.finish().await?;
            // Members in pieces, so the buffer stays a few MB.
            for part in members.chunks(20_000) {
                let mut copy = t
                    .copy_in_raw(
                        "COPY members (household_id, position, id_number, id_hash, id_tail4, id_tail5, id_tail6, \
                         name, relation, labor, disability_kind, disability_grade, illness, student_stage, \
                         student_status, insurance, employment, phone) FROM STDIN (FORMAT binary)",
                    )
                    .await?;
                copy.send(pg::members(part)).await?;
                copy.finish().await?;
            }
            Ok(())
        }
    }
}

fn head_name(h: &Household) -> &str {
    h.head().map_or("", |m| m.name.as_str())
}

/// PostgreSQL's binary COPY format: a header, then per row the field
/// count and each field as length + big-endian bytes (-1: NULL).
mod pg {
    use super::*;

    /// Microseconds from the PostgreSQL epoch (2000-01-01 UTC) to the Unix one.
    const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

    pub(super) struct Buf(Vec<u8>);

    impl Buf {
        fn new(capacity: usize) -> Buf {
            let mut v = Vec::with_capacity(capacity);
            v.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
            v.extend_from_slice(&0i32.to_be_bytes()); // flags
            v.extend_from_slice(&0i32.to_be_bytes()); // header extension
            Buf(v)
        }
        fn row(&mut self, fields: i16) {
            self.0.extend_from_slice(&fields.to_be_bytes());
        }
        fn text(&mut self, s: &str) {
            self.0.extend_from_slice(&(s.len() as i32).to_be_bytes());
            self.0.extend_from_slice(s.as_bytes());
        }
        fn opt_text(&mut self, s: Option<&str>) {
            match s {
                Some(s) => self.text(s),
                None => self.null(),
            }
        }
        fn null(&mut self) {
            self.0.extend_from_slice(&(-1i32).to_be_bytes());
        }
        fn i64(&mut self, v: i64) {
            self.0.extend_from_slice(&8i32.to_be_bytes());
            self.0.extend_from_slice(&v.to_be_bytes());
        }
        fn f64(&mut self, v: f64) {
            self.0.extend_from_slice(&8i32.to_be_bytes());
            self.0.extend_from_slice(&v.to_bits().to_be_bytes());
        }
        fn bool(&mut self, v: bool) {
            self.0.extend_from_slice(&1i32.to_be_bytes());
            self.0.push(u8::from(v));
        }
        fn finish(mut self) -> Vec<u8> {
            self.0.extend_from_slice(&(-1i16).to_be_bytes());
            self.0
        }
    }

    pub(super) fn households(rows: &[(i64, &Household)], now: DateTime<Utc>) -> Vec<u8> {
        let at = now.timestamp_micros() - PG_EPOCH_MICROS;
        let mut b = Buf::new(rows.len() * 256 + 32);
        for (id, h) in rows {
            b.row(21);
            b.i64(*id);
            b.text(&h.number);
            b.text(h.village.as_str());
            b.opt_text(h.village_group.as_deref());
            b.text(&h.address);
            b.opt_text(h.category.map(|c| c.code()));
            b.bool(h.formerly_registered_poor);
            b.text(h.housing.code());
            b.text(h.water.code());
            b.f64(h.farmland_mu);
            b.f64(h.forest_mu);
            b.i64(h.income.wage);
            b.i64(h.income.production);
            b.i64(h.income.property);
            b.i64(h.income.transfer);
            b.i64(h.medical_expense);
            b.i64(h.schooling_expense);
            b.text(head_name(h));
            b.i64(h.members.len() as i64);
            b.i64(at);
            b.i64(at);
        }
        b.finish()
    }

    pub(super) fn members(rows: &[MemberRow<'_>]) -> Vec<u8> {
        let mut b = Buf::new(rows.len() * 512 + 32);
        for r in rows {
            let m = r.member;
            b.row(18);
            b.i64(r.household_id);
            b.i64(r.position);
            b.text(&r.id_sealed);
            b.text(&r.id_hash);
            b.text(&r.tails[0]);
            b.text(&r.tails[1]);
            b.text(&r.tails[2]);
            b.text(&m.name);
            b.text(m.relation.code());
            b.text(m.labor.code());
            b.opt_text(m.disability_kind.map(|d| d.code()));
            match m.disability_grade {
                Some(g) => b.i64(i64::from(g)),
                None => b.null(),
            }
            b.text(m.illness.code());
            b.opt_text(m.student_stage.map(|s| s.code()));
            b.opt_text(m.student_status.map(|s| s.code()));
            b.text(m.insurance.code());
            b.text(m.employment.code());
            b.opt_text(r.phone.as_deref());
        }
        b.finish()
    }
}

/// SQLite through its C interface: one prepared statement per table,
/// bound and stepped per row, on the connection of the open transaction.
mod sqlite {
    use super::*;
    use libsqlite3_sys as ffi;
    use std::ffi::{CStr, c_int};

    fn error(db: *mut ffi::sqlite3, what: &str) -> StoreError {
        // SAFETY: `db` is an open connection; sqlite3_errmsg returns a
        // NUL-terminated string owned by SQLite. SQLite's messages name
        // tables and columns, never values.
        let msg = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
            .to_string_lossy()
            .into_owned();
        let code = unsafe { ffi::sqlite3_errcode(db) };
        if matches!(code & 0xff, ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED) {
            return StoreError::Busy;
        }
        StoreError::Db(sqlx::Error::Protocol(format!("{what}: {msg}")))
    }

    struct Stmt {
        db: *mut ffi::sqlite3,
        stmt: *mut ffi::sqlite3_stmt,
        what: &'static str,
    }

    impl Drop for Stmt {
        fn drop(&mut self) {
            // SAFETY: prepared by `Stmt::new`, finalized once.
            unsafe { ffi::sqlite3_finalize(self.stmt) };
        }
    }

    impl Stmt {
        unsafe fn new(
            db: *mut ffi::sqlite3,
            sql: &CStr,
            what: &'static str,
        ) -> Result<Stmt, StoreError> {
            let mut stmt = std::ptr::null_mut();
            // SAFETY: `db` is open (caller), `sql` NUL-terminated.
            let rc = unsafe {
                ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut())
            };
            if rc != ffi::SQLITE_OK {
                return Err(error(db, what));
            }
            Ok(Stmt { db, stmt, what })
        }
        fn check(&self, rc: c_int) -> Result<(), StoreError> {
            if rc == ffi::SQLITE_OK {
                Ok(())
            } else {
                Err(error(self.db, self.what))
            }
        }
        fn text(&self, i: c_int, s: &str) -> Result<(), StoreError> {
            // SAFETY: SQLITE_TRANSIENT makes SQLite copy the bytes.
            self.check(unsafe {
                ffi::sqlite3_bind_text(
                    self.stmt,
                    i,
                    s.as_ptr().cast(),
                    s.len() as c_int,
                    ffi::SQLITE_TRANSIENT(),
                )
            })
        }
        fn opt_text(&self, i: c_int, s: Option<&str>) -> Result<(), StoreError> {
            match s {
                Some(s) => self.text(i, s),
                None => self.null(i),
            }
        }
        fn i64(&self, i: c_int, v: i64) -> Result<(), StoreError> {
            // SAFETY: a live statement; `i` is within its parameters.
            self.check(unsafe { ffi::sqlite3_bind_int64(self.stmt, i, v) })
        }
        fn f64(&self, i: c_int, v: f64) -> Result<(), StoreError> {
            // SAFETY: as above.
            self.check(unsafe { ffi::sqlite3_bind_double(self.stmt, i, v) })
        }
        fn null(&self, i: c_int) -> Result<(), StoreError> {
            // SAFETY: as above.
            self.check(unsafe { ffi::sqlite3_bind_null(self.stmt, i) })
        }
        /// Runs the bound row and makes the statement ready for the next.
        fn run(&self) -> Result<(), StoreError> {
            // SAFETY: a live statement with every parameter bound.
            let rc = unsafe { ffi::sqlite3_step(self.stmt) };
            let reset = unsafe { ffi::sqlite3_reset(self.stmt) };
            if rc != ffi::SQLITE_DONE {
                return Err(error(self.db, self.what));
            }
            self.check(reset)
        }
    }

    /// # Safety
    /// `db` is the open connection of the caller's transaction, used by
    /// nothing else during the call.
    pub(super) unsafe fn write(
        db: *mut ffi::sqlite3,
        households: &[(i64, &Household)],
        members: &[MemberRow<'_>],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // The text sqlx writes for a DateTime<Utc> (what reads parse back).
        let at = now.to_rfc3339_opts(SecondsFormat::AutoSi, false);
        // SAFETY: caller's contract.
        let h = unsafe {
            Stmt::new(
                db,
                c"INSERT INTO households (id, number, village_code, village_group, address, category, formerly_poor, \
                  housing, water, farmland_mu, forest_mu, income_wage, income_production, income_property, \
                  income_transfer, medical_expense, schooling_expense, head_name, member_count, created_at, updated_at) \
                  VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?20)",
                "insert households",
            )?
        };
        for (id, hh) in households {
            h.i64(1, *id)?;
            h.text(2, &hh.number)?;
            h.text(3, hh.village.as_str())?;
            h.opt_text(4, hh.village_group.as_deref())?;
            h.text(5, &hh.address)?;
            h.opt_text(6, hh.category.map(|c| c.code()))?;
            h.i64(7, i64::from(hh.formerly_registered_poor))?;
            h.text(8, hh.housing.code())?;
            h.text(9, hh.water.code())?;
            h.f64(10, hh.farmland_mu)?;
            h.f64(11, hh.forest_mu)?;
            h.i64(12, hh.income.wage)?;
            h.i64(13, hh.income.production)?;
            h.i64(14, hh.income.property)?;
            h.i64(15, hh.income.transfer)?;
            h.i64(16, hh.medical_expense)?;
            h.i64(17, hh.schooling_expense)?;
            h.text(18, head_name(hh))?;
            h.i64(19, hh.members.len() as i64)?;
            h.text(20, &at)?;
            h.run()?;
        }
        // SAFETY: caller's contract.
        let m = unsafe {
            Stmt::new(
                db,
                c"INSERT INTO members (household_id, position, id_number, id_hash, id_tail4, id_tail5, id_tail6, name, \
                  relation, labor, disability_kind, disability_grade, illness, student_stage, student_status, \
                  insurance, employment, phone) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)",
                "insert members",
            )?
        };
        for r in members {
            let mm = r.member;
            m.i64(1, r.household_id)?;
            m.i64(2, r.position)?;
            m.text(3, &r.id_sealed)?;
            m.text(4, &r.id_hash)?;
            m.text(5, &r.tails[0])?;
            m.text(6, &r.tails[1])?;
            m.text(7, &r.tails[2])?;
            m.text(8, &mm.name)?;
            m.text(9, mm.relation.code())?;
            m.text(10, mm.labor.code())?;
            m.opt_text(11, mm.disability_kind.map(|d| d.code()))?;
            match mm.disability_grade {
                Some(g) => m.i64(12, i64::from(g))?,
                None => m.null(12)?,
            }
            m.text(13, mm.illness.code())?;
            m.opt_text(14, mm.student_stage.map(|s| s.code()))?;
            m.opt_text(15, mm.student_status.map(|s| s.code()))?;
            m.text(16, mm.insurance.code())?;
            m.text(17, mm.employment.code())?;
            m.opt_text(18, r.phone.as_deref())?;
            m.run()?;
        }
        Ok(())
    }
}
