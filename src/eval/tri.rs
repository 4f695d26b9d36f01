//! Three-valued logic for matching: yes, no, or unknown because of named keys.
//!
//! `and` is decided by any `No`, `or` by any `Yes`; otherwise an unknown stays unknown and
//! carries the keys (condition keys, policy variables, [`super::UNKNOWN_RESOURCE`]) it
//! would need, so that the caller can say what to find out.

/// Whether something matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tri {
    /// It matches.
    Yes,
    /// It does not.
    No,
    /// It depends on these keys, which are not known (never empty, no repeats).
    Unknown(Vec<String>),
}

impl Tri {
    /// `Yes` or `No`.
    pub(crate) fn from_bool(value: bool) -> Self {
        if value { Tri::Yes } else { Tri::No }
    }

    /// Unknown for want of `key`.
    pub(crate) fn unknown(key: impl Into<String>) -> Self {
        Tri::Unknown(vec![key.into()])
    }

    /// Logical AND: `No` wins, then unknown.
    pub(crate) fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, t) | (t, Tri::Yes) => t,
            (Tri::Unknown(a), Tri::Unknown(b)) => Tri::Unknown(merge(a, b)),
        }
    }

    /// Logical OR: `Yes` wins, then unknown.
    pub(crate) fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::No, t) | (t, Tri::No) => t,
            (Tri::Unknown(a), Tri::Unknown(b)) => Tri::Unknown(merge(a, b)),
        }
    }

    /// Logical NOT: unknown stays unknown.
    pub(crate) fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            unknown => unknown,
        }
    }

    /// AND of all, stopping at the first `No`; `Yes` for none.
    pub(crate) fn all(items: impl IntoIterator<Item = Tri>) -> Tri {
        let mut acc = Tri::Yes;
        for item in items {
            if item == Tri::No {
                return Tri::No;
            }
            acc = acc.and(item);
        }
        acc
    }

    /// OR of all, stopping at the first `Yes`; `No` for none.
    pub(crate) fn any(items: impl IntoIterator<Item = Tri>) -> Tri {
        let mut acc = Tri::No;
        for item in items {
            if item == Tri::Yes {
                return Tri::Yes;
            }
            acc = acc.or(item);
        }
        acc
    }
}

fn merge(mut a: Vec<String>, b: Vec<String>) -> Vec<String> {
    for key in b {
        if !a.iter().any(|k| k.eq_ignore_ascii_case(&key)) {
            a.push(key);
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truth_tables() {
        let u = || Tri::unknown("k");
        assert_eq!(Tri::Yes.and(u()), u());
        assert_eq!(Tri::No.and(u()), Tri::No);
        assert_eq!(u().and(Tri::No), Tri::No);
        assert_eq!(Tri::Yes.or(u()), Tri::Yes);
        assert_eq!(Tri::No.or(u()), u());
        assert_eq!(u().not(), u());
        assert_eq!(Tri::Yes.not(), Tri::No);
        assert_eq!(
            Tri::unknown("a")
                .and(Tri::unknown("b"))
                .and(Tri::unknown("A")),
            Tri::Unknown(vec!["a".into(), "b".into()])
        );
        assert_eq!(Tri::all([]), Tri::Yes);
        assert_eq!(Tri::any([]), Tri::No);
        assert_eq!(Tri::all([u(), Tri::No, Tri::unknown("x")]), Tri::No);
        assert_eq!(Tri::any([u(), Tri::Yes]), Tri::Yes);
        assert_eq!(Tri::any([u(), Tri::No]), u());
        assert_eq!(Tri::from_bool(true), Tri::Yes);
    }
}
