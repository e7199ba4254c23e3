//! `coded_enum!`, the one way a coded attribute is declared: a stable
//! English code (stored and used in the API), a Chinese label (shown first
//! in the UI), an English label and the aliases accepted on import.
//!
//! The order of variants (`Ord`, `ALL`) is their declaration order, which is
//! also the display order.

/// Declares a coded enum: stable code, Chinese label, English label and
/// import aliases, with parsing that accepts any of them.
///
/// The code is matched as a `tt`, not a `literal`: a `literal` fragment
/// reaches derive macros wrapped in an invisible group, which serde reads
/// but utoipa does not, so the OpenAPI document listed the variant names
/// (`SelfDeclared`) instead of the codes the API takes (`self_declared`).
/// A non-literal code still fails to compile in `serde(rename = …)`.
macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => ($code:tt, $zh:literal, $en:literal $(, $alias:literal)*)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema,
        )]
        pub enum $name { $($(#[$vm])* #[serde(rename = $code)] $v),+ }

        impl $name {
            /// Every variant, in display order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// Stable code used in storage and the API.
            pub fn code(self) -> &'static str { match self { $($name::$v => $code),+ } }
            /// Chinese label.
            pub fn label_zh(self) -> &'static str { match self { $($name::$v => $zh),+ } }
            /// English label.
            pub fn label_en(self) -> &'static str { match self { $($name::$v => $en),+ } }
            /// Parses a code, a Chinese label, an English label or an alias
            /// (case and surrounding spaces ignored).
            pub fn parse(s: &str) -> Option<Self> {
                let t = s.trim();
                $(
                    if t.eq_ignore_ascii_case($code) || t == $zh || t.eq_ignore_ascii_case($en) $(|| t == $alias)* {
                        return Some($name::$v);
                    }
                )+
                None
            }
        }
    };
}

pub(crate) use coded_enum;
