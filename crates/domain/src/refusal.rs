//! What kind of refusal a rule gave: the one classification every
//! interface maps to its own terms (HTTP status, CLI exit message).

/// What kind of refusal a rule gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalKind {
    /// The actor may not do this (wrong role, region does not fit the role).
    NotPermitted,
    /// The thing is outside the actor's region: told apart from absent
    /// by no one.
    NotFound,
    /// The request breaks a rule of the domain; the message says what to do.
    Unprocessable,
}
