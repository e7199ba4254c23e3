//! Coded domain values in storage: each is written as its stable code and
//! read back through [`Stored`], which decodes the text and refuses a code
//! its type does not know (an integrity error, never a default value).

use dixian_domain::alerts::{AlertStatus, EventSource};
use dixian_domain::assistance::{
    Department, MeasureEffect, MeasureKind, MeasureSource, MeasureStatus, PlanStatus,
};
use dixian_domain::{Condition, FeedKind, RiskType, Severity, UnknownCode, WarningStatus};
use sqlx::error::BoxDynError;

/// A domain value read from its stored code: use it as
/// `#[sqlx(try_from = "crate::codes::Stored<Severity>")]` on a row field.
pub struct Stored<T>(T);

impl<DB: sqlx::Database, T> sqlx::Type<DB> for Stored<T>
where
    String: sqlx::Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <String as sqlx::Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <String as sqlx::Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: sqlx::Database, T> sqlx::Decode<'r, DB> for Stored<T>
where
    String: sqlx::Decode<'r, DB>,
    T: TryFrom<String, Error = UnknownCode>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let code = <String as sqlx::Decode<'r, DB>>::decode(value)?;
        T::try_from(code)
            .map(Stored)
            .map_err(|e| Box::new(e) as BoxDynError)
    }
}

macro_rules! stored {
    ($($t:ty),+) => {$(
        impl From<Stored<$t>> for $t {
            fn from(s: Stored<$t>) -> $t {
                s.0
            }
        }
    )+};
}

stored!(
    FeedKind,
    Condition,
    Severity,
    WarningStatus,
    RiskType,
    MeasureKind,
    Department,
    MeasureStatus,
    MeasureSource,
    PlanStatus,
    MeasureEffect,
    AlertStatus,
    EventSource
);
