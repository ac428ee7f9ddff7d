//! Who the documents come from: the company's name, address, sender
//! address and how to pay it.

use o2c_domain::text::Email;

/// The seller as every document shows it.
///
/// Text fields may come from the environment, so they are cleaned where
/// they are used (control characters become spaces): a line break in a
/// company name can never reach an email header or break a PDF line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branding {
    pub company_name: String,
    /// Postal address, one entry per printed line.
    pub address_lines: Vec<String>,
    /// Shown in the HTML email only; never fetched. Always `https://`.
    pub logo_url: Option<String>,
    pub reply_to: Option<Email>,
    pub from: Email,
    /// The seller's tax id or VAT number.
    pub tax_id: Option<String>,
    /// Free text, one entry per line: bank, IBAN, BIC, reference hint.
    pub payment_instructions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrandingError {
    /// The value is left out: addresses are not logged in clear.
    #[error("{var} is not a valid email address")]
    InvalidEmail { var: &'static str },
    #[error("O2C_LOGO_URL must be an https:// URL without spaces or quotes")]
    InvalidLogoUrl,
}

pub const DEFAULT_FROM_EMAIL: &str = "billing@example.com";
pub const DEFAULT_COMPANY_NAME: &str = "Example Company";

impl Branding {
    /// A minimal branding: a name and a sender address.
    pub fn new(company_name: impl Into<String>, from: Email) -> Self {
        Self {
            company_name: company_name.into(),
            address_lines: Vec::new(),
            logo_url: None,
            reply_to: None,
            from,
            tax_id: None,
            payment_instructions: Vec::new(),
        }
    }

    /// Reads the branding from the process environment:
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `O2C_COMPANY_NAME` | seller name | `Example Company` |
    /// | `O2C_COMPANY_ADDRESS` | address lines separated by `\|` | none |
    /// | `O2C_LOGO_URL` | `https://` logo for the HTML email | none |
    /// | `O2C_REPLY_TO` | Reply-To address | none |
    /// | `O2C_FROM_EMAIL` | sender address | `billing@example.com` |
    /// | `O2C_COMPANY_TAX_ID` | seller tax id / VAT number | none |
    /// | `O2C_PAYMENT_INSTRUCTIONS` | lines separated by `\|` | none |
    ///
    /// Empty or blank values count as unset.
    pub fn from_env() -> Result<Self, BrandingError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Branding::from_env`] over any variable source (tests, config files).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, BrandingError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let lines = |name: &str| -> Vec<String> {
            get(name)
                .map(|v| v.split(['|', '\n']).map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default()
        };
        let email = |var: &'static str, value: &str| Email::parse(value).map_err(|_| BrandingError::InvalidEmail { var });
        let from = email("O2C_FROM_EMAIL", &get("O2C_FROM_EMAIL").unwrap_or_else(|| DEFAULT_FROM_EMAIL.to_owned()))?;
        let reply_to = get("O2C_REPLY_TO").map(|v| email("O2C_REPLY_TO", &v)).transpose()?;
        let logo_url = get("O2C_LOGO_URL").map(|u| valid_logo_url(&u).then_some(u).ok_or(BrandingError::InvalidLogoUrl)).transpose()?;
        Ok(Self {
            company_name: get("O2C_COMPANY_NAME").unwrap_or_else(|| DEFAULT_COMPANY_NAME.to_owned()),
            address_lines: lines("O2C_COMPANY_ADDRESS"),
            logo_url,
            reply_to,
            from,
            tax_id: get("O2C_COMPANY_TAX_ID"),
            payment_instructions: lines("O2C_PAYMENT_INSTRUCTIONS"),
        })
    }
}

/// `https://` only, and nothing that could leave an HTML attribute even
/// before escaping.
fn valid_logo_url(url: &str) -> bool {
    url.strip_prefix("https://").is_some_and(|rest| !rest.is_empty())
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || "\"'<>`\\".contains(c))
}

/// Removes what must never reach a header or a PDF line: control
/// characters (CR, LF, tabs...) become single spaces, the ends are trimmed.
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_control() || (c.is_whitespace() && c != '\u{A0}' && c != '\u{202F}') {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn an_empty_environment_gives_the_documented_defaults() {
        let b = Branding::from_lookup(lookup(&[])).unwrap();
        assert_eq!(b.from.as_str(), "billing@example.com");
        assert_eq!(b.company_name, "Example Company");
        assert!(b.address_lines.is_empty() && b.payment_instructions.is_empty());
        assert_eq!((b.reply_to, b.logo_url, b.tax_id), (None, None, None));
    }

    #[test]
    fn address_and_payment_instructions_are_split_on_bars() {
        let b = Branding::from_lookup(lookup(&[
            ("O2C_COMPANY_NAME", "Acme GmbH"),
            ("O2C_COMPANY_ADDRESS", "Hauptstr. 1 | 10115 Berlin|Germany"),
            ("O2C_PAYMENT_INSTRUCTIONS", "Bank: Example Bank|IBAN: DE89 3704 0044 0532 0130 00| BIC: COBADEFFXXX"),
            ("O2C_REPLY_TO", "ar@acme.example"),
            ("O2C_LOGO_URL", "https://acme.example/logo.png"),
            ("O2C_COMPANY_TAX_ID", "DE123456789"),
        ]))
        .unwrap();
        assert_eq!(b.address_lines, ["Hauptstr. 1", "10115 Berlin", "Germany"]);
        assert_eq!(b.payment_instructions.len(), 3);
        assert_eq!(b.payment_instructions[2], "BIC: COBADEFFXXX");
        assert_eq!(b.reply_to.unwrap().as_str(), "ar@acme.example");
        assert_eq!(b.tax_id.as_deref(), Some("DE123456789"));
    }

    #[test]
    fn an_invalid_sender_or_reply_to_address_is_a_typed_error() {
        assert_eq!(
            Branding::from_lookup(lookup(&[("O2C_FROM_EMAIL", "billing\r\nBcc: x@y.com")])),
            Err(BrandingError::InvalidEmail { var: "O2C_FROM_EMAIL" })
        );
        assert_eq!(
            Branding::from_lookup(lookup(&[("O2C_REPLY_TO", "not an address")])),
            Err(BrandingError::InvalidEmail { var: "O2C_REPLY_TO" })
        );
    }

    #[test]
    fn a_logo_url_must_be_https_and_attribute_safe() {
        for bad in ["http://acme.example/l.png", "javascript:alert(1)", "https://a.example/\"onload=x", "https://"] {
            assert_eq!(Branding::from_lookup(lookup(&[("O2C_LOGO_URL", bad)])), Err(BrandingError::InvalidLogoUrl), "{bad}");
        }
    }

    #[test]
    fn cleaning_turns_line_breaks_into_single_spaces() {
        assert_eq!(clean("Acme\r\nBcc: evil@x.example"), "Acme Bcc: evil@x.example");
        assert_eq!(clean("  a \t\n b  "), "a b");
        assert_eq!(clean("1\u{202F}000"), "1\u{202F}000");
    }
}
