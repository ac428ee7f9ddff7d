//! Small text newtypes parsed once at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
    #[error("is not a valid email address")]
    InvalidEmail,
}

/// Free text a person typed: trimmed, bounded, no control characters
/// (they break CSV exports and email headers).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct BoundedText<const MAX: usize>(String);

impl<const MAX: usize> BoundedText<MAX> {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(TextError::Empty);
        }
        if t.chars().count() > MAX {
            return Err(TextError::TooLong { max: MAX });
        }
        if t.chars().any(|c| c.is_control()) {
            return Err(TextError::ControlCharacter);
        }
        Ok(Self(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> fmt::Display for BoundedText<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de, const MAX: usize> Deserialize<'de> for BoundedText<MAX> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A single-mailbox address, lower-cased domain; no display name, no
/// whitespace or header-breaking characters (CR/LF can never reach SES).
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        let t = text.trim();
        if t.len() > 254 {
            return Err(TextError::TooLong { max: 254 });
        }
        let (local, domain) = t.rsplit_once('@').ok_or(TextError::InvalidEmail)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            });
        if !local_ok || !domain_ok {
            return Err(TextError::InvalidEmail);
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Emails are personal data: debug output never shows them in clear.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let domain = self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
        write!(f, "Email(***@{domain})")
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_with_a_line_break_cannot_exist() {
        assert!(Email::parse("a@b.com\r\nBcc: x@y.com").is_err());
        assert!(Email::parse("a b@c.com").is_err());
        assert!(Email::parse("nobody").is_err());
        assert!(Email::parse("a@localhost").is_err());
        assert_eq!(Email::parse(" Ann@Example.COM ").unwrap().as_str(), "Ann@example.com");
    }

    #[test]
    fn emails_are_masked_in_debug_output() {
        let e = Email::parse("ann@example.com").unwrap();
        assert_eq!(format!("{e:?}"), "Email(***@example.com)");
    }

    #[test]
    fn free_text_is_trimmed_and_bounded() {
        assert_eq!(BoundedText::<5>::parse("  abc ").unwrap().as_str(), "abc");
        assert_eq!(BoundedText::<5>::parse("abcdef"), Err(TextError::TooLong { max: 5 }));
        assert_eq!(BoundedText::<5>::parse("   "), Err(TextError::Empty));
        assert_eq!(BoundedText::<9>::parse("a\u{7}b"), Err(TextError::ControlCharacter));
    }
}
