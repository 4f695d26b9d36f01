//! Condition blocks as data: the operators IAM documents (with their `IfExists` and
//! `ForAllValues:`/`ForAnyValue:` forms), a condition key and its values.
//!
//! This file owns operator names in both directions; what an operator means when a request
//! is evaluated belongs to the evaluator, not here.

use std::borrow::Cow;

use super::document::OneOrMany;

/// One condition: `"StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}` is one
/// `Condition` per key under the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator, with its modifiers.
    pub operator: ConditionOperator,
    /// The condition key as written (`aws:RequestTag/Owner`); IAM compares keys ignoring
    /// case, so this is not normalised.
    pub key: String,
    /// The values, with their JSON kind and whether they were an array.
    pub values: OneOrMany<ConditionValue>,
}

/// A condition value, keeping the JSON kind it was written with so that `true` is not
/// rewritten as `"true"` (IAM treats them alike; a diff of the policy should not show it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionValue {
    /// `"eu-west-1"`.
    String(String),
    /// `true`.
    Bool(bool),
    /// `10`, `1.5`, with the digits written.
    Number(JsonNumber),
}

impl ConditionValue {
    /// The value as IAM compares it: its text (`true` -> `"true"`, `10` -> `"10"`).
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            ConditionValue::String(s) => Cow::Borrowed(s),
            ConditionValue::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            ConditionValue::Number(n) => Cow::Borrowed(n.as_str()),
        }
    }
}

/// A JSON number literal, kept as written (`1.50` stays `1.50`): equality is textual.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JsonNumber(String);

impl JsonNumber {
    /// The literal, when `text` is a JSON number (`-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`).
    pub fn parse(text: &str) -> Option<Self> {
        fn digits(s: &[u8]) -> usize {
            s.iter().take_while(|b| b.is_ascii_digit()).count()
        }
        let b = text.as_bytes();
        let mut i = usize::from(b.first() == Some(&b'-'));
        match digits(&b[i..]) {
            0 => return None,
            n if n > 1 && b[i] == b'0' => return None,
            n => i += n,
        }
        if b.get(i) == Some(&b'.') {
            match digits(&b[i + 1..]) {
                0 => return None,
                n => i += 1 + n,
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            match digits(&b[i..]) {
                0 => return None,
                n => i += n,
            }
        }
        (i == b.len()).then(|| Self(text.to_owned()))
    }

    /// The literal.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value as a float (correctly rounded).
    pub fn as_f64(&self) -> f64 {
        // A JSON number is always a valid Rust float literal.
        self.0.parse().unwrap_or(f64::NAN)
    }
}

impl From<i64> for JsonNumber {
    fn from(n: i64) -> Self {
        Self(n.to_string())
    }
}

impl From<u64> for JsonNumber {
    fn from(n: u64) -> Self {
        Self(n.to_string())
    }
}

impl std::fmt::Display for JsonNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A condition operator: its base test, `IfExists`, and a set qualifier for multivalued
/// keys. `ForAnyValue:StringLikeIfExists` is `{ base: StringLike, if_exists: true, set:
/// Some(ForAnyValue) }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConditionOperator {
    /// The test.
    pub base: Operator,
    /// `...IfExists`: the condition also holds when the key is absent.
    pub if_exists: bool,
    /// `ForAllValues:` or `ForAnyValue:`, for keys with several values.
    pub set: Option<SetOperator>,
}

impl ConditionOperator {
    /// A plain operator, without modifiers.
    pub fn new(base: Operator) -> Self {
        Self {
            base,
            if_exists: false,
            set: None,
        }
    }

    /// Parses an operator name as a policy writes it (case-sensitive, like IAM's own
    /// grammar). `Null` takes no `IfExists`: IAM documents every operator but `Null` as
    /// accepting it.
    pub fn parse(name: &str) -> Option<Self> {
        let (set, rest) = match name.split_once(':') {
            Some(("ForAllValues", rest)) => (Some(SetOperator::ForAllValues), rest),
            Some(("ForAnyValue", rest)) => (Some(SetOperator::ForAnyValue), rest),
            Some(_) => return None,
            None => (None, name),
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (Operator::from_name(base)?, true),
            None => (Operator::from_name(rest)?, false),
        };
        if if_exists && base == Operator::Null {
            return None;
        }
        Some(Self {
            base,
            if_exists,
            set,
        })
    }

    /// The name a policy writes (`ForAnyValue:StringLikeIfExists`).
    pub fn name(&self) -> String {
        let set = self.set.map_or("", SetOperator::prefix);
        let if_exists = if self.if_exists { "IfExists" } else { "" };
        format!("{set}{}{if_exists}", self.base.as_str())
    }
}

impl std::fmt::Display for ConditionOperator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// How a condition over a multivalued key combines the request's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetOperator {
    /// Every value in the request must satisfy the test (true for none).
    ForAllValues,
    /// At least one value in the request must satisfy the test.
    ForAnyValue,
}

impl SetOperator {
    /// The prefix as written, with its colon.
    fn prefix(self) -> &'static str {
        match self {
            SetOperator::ForAllValues => "ForAllValues:",
            SetOperator::ForAnyValue => "ForAnyValue:",
        }
    }
}

macro_rules! operators {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// A condition operator's base test, as the IAM User Guide lists them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Operator {
            $($(#[$doc])* $name,)*
        }

        impl Operator {
            /// Every operator, in the User Guide's order.
            pub const ALL: &'static [Operator] = &[$(Operator::$name,)*];

            /// The name as written in a policy.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Operator::$name => stringify!($name),)*
                }
            }

            /// The operator of that exact name (`StringEquals`), without modifiers.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $(stringify!($name) => Some(Operator::$name),)*
                    _ => None,
                }
            }
        }
    };
}

operators! {
    /// Exact, case-sensitive match.
    StringEquals,
    /// Negated exact match.
    StringNotEquals,
    /// Exact match ignoring case.
    StringEqualsIgnoreCase,
    /// Negated match ignoring case.
    StringNotEqualsIgnoreCase,
    /// Case-sensitive match with `*` and `?`.
    StringLike,
    /// Negated `StringLike`.
    StringNotLike,
    /// Numbers equal.
    NumericEquals,
    /// Numbers differ.
    NumericNotEquals,
    /// Less than.
    NumericLessThan,
    /// Less than or equal.
    NumericLessThanEquals,
    /// Greater than.
    NumericGreaterThan,
    /// Greater than or equal.
    NumericGreaterThanEquals,
    /// Dates (ISO 8601 or epoch seconds) equal.
    DateEquals,
    /// Dates differ.
    DateNotEquals,
    /// Before.
    DateLessThan,
    /// At or before.
    DateLessThanEquals,
    /// After.
    DateGreaterThan,
    /// At or after.
    DateGreaterThanEquals,
    /// `true` or `false`.
    Bool,
    /// Base64 bytes equal.
    BinaryEquals,
    /// Within one of the CIDR ranges.
    IpAddress,
    /// Within none of the CIDR ranges.
    NotIpAddress,
    /// ARN equal, field by field.
    ArnEquals,
    /// ARN matches with wildcards, field by field.
    ArnLike,
    /// Negated `ArnEquals`.
    ArnNotEquals,
    /// Negated `ArnLike`.
    ArnNotLike,
    /// The key is absent (`true`) or present (`false`).
    Null,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operator_name_round_trips_with_every_modifier() {
        assert_eq!(Operator::ALL.len(), 27);
        for &base in Operator::ALL {
            for set in [
                None,
                Some(SetOperator::ForAllValues),
                Some(SetOperator::ForAnyValue),
            ] {
                for if_exists in [false, true] {
                    let op = ConditionOperator {
                        base,
                        if_exists,
                        set,
                    };
                    let parsed = ConditionOperator::parse(&op.name());
                    if if_exists && base == Operator::Null {
                        assert_eq!(parsed, None, "{}", op.name());
                    } else {
                        assert_eq!(parsed, Some(op), "{}", op.name());
                    }
                }
            }
        }
    }

    #[test]
    fn operator_names() {
        let op = ConditionOperator::parse("ForAnyValue:StringLikeIfExists").unwrap();
        assert_eq!(op.base, Operator::StringLike);
        assert!(op.if_exists);
        assert_eq!(op.set, Some(SetOperator::ForAnyValue));
        assert_eq!(op.to_string(), "ForAnyValue:StringLikeIfExists");
        assert_eq!(
            ConditionOperator::parse("Bool"),
            Some(ConditionOperator::new(Operator::Bool))
        );
        for bad in [
            "stringequals",
            "StringEqual",
            "ForSomeValues:StringEquals",
            "ForAllValues:",
            "IfExists",
            "StringEqualsIfExistsIfExists",
            "NullIfExists",
            "",
        ] {
            assert_eq!(ConditionOperator::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn values_as_text() {
        assert_eq!(ConditionValue::Bool(true).as_text(), "true");
        assert_eq!(ConditionValue::Number(10i64.into()).as_text(), "10");
    }

    #[test]
    fn number_literals() {
        for good in [
            "0",
            "-0",
            "10",
            "1.50",
            "-2.5e-3",
            "1E+9",
            "123456789012345678901234567890",
        ] {
            assert_eq!(JsonNumber::parse(good).unwrap().as_str(), good);
            assert!(
                serde_json::from_str::<serde_json::Value>(good).is_ok(),
                "{good}"
            );
        }
        for bad in [
            "", "-", "01", "1.", ".5", "1e", "1e+", "+1", "1 ", "NaN", "0x1", "1.5.2",
        ] {
            assert_eq!(JsonNumber::parse(bad), None, "{bad}");
        }
        assert_eq!(JsonNumber::parse("1.5e2").unwrap().as_f64(), 150.0);
        assert_eq!(ConditionValue::String("x".into()).as_text(), "x");
    }
}
