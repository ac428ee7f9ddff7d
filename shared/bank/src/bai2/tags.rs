//! `KEY: value` / `KEY=value` tags in `16` texts and `88` lines.
//!
//! Banks put the other party's name in the free text under their own keys:
//! Goldman Sachs `DBNM:` (debtor name) / `CRNM:` (creditor name) and
//! `From:` / `To:`, Fedwire-style `ORIG:` / `BNF:` / `B/O:`, Wells Fargo
//! `ORG=` / `BNF=`, ACH `ORIG CO NAME:`, Citi `BO1:` (by order of). The other
//! party is the payer of a credit and the payee of a debit, so each
//! direction has its own keys, tried in order.

use crate::statement::Direction;

/// Keys naming the payer, for a credit.
const PAYER: &[&str] = &[
    "DBNM",
    "ORIG CO NAME",
    "ORIGINATOR",
    "ORIG",
    "ORG",
    "B/O",
    "BY ORDER OF",
    "BO1",
    "Return From",
    "From",
];

/// Keys naming the payee, for a debit.
const PAYEE: &[&str] = &["CRNM", "BNF", "BENEFICIARY", "BENE", "Return To", "To"];

/// Keys whose value is the other party's account.
const PAYER_ACCOUNT: &[&str] = &["DACT"];
const PAYEE_ACCOUNT: &[&str] = &["CACT"];

/// Every key known to end the value before it (besides the ones above).
const OTHERS: &[&str] = &[
    "EREF",
    "REMI",
    "CREF",
    "CACT",
    "DACT",
    "CABA",
    "DABA",
    "CBIC",
    "DBIC",
    "IDNM",
    "CHKN",
    "OBI",
    "BBI",
    "BBK",
    "IBK",
    "RFB",
    "REF",
    "SRF#",
    "TRN",
    "ORIG ID",
    "ORIG BK",
    "DESC DATE",
    "CO ENTRY DESCR",
    "SEC",
    "IND ID",
    "IND NAME",
    "TRACE#",
    "EED",
    "FR",
    "ENDT",
    "TRID",
    "PY",
    "BI",
    "OB",
    "OB1",
    "OB2",
    "OB3",
    "BO",
    "BO2",
    "BO3",
    "Remittance Info",
    "Entry Description",
    "Client Ref ID",
    "Return of Client Ref ID",
    "GS ID",
    "Account",
    "Check Serial Number",
    "Return Reason",
    "Reason",
    "Clearing Ref",
    "Settled Amt",
    "FX Rate",
];

/// The other party's name, from the entry's text elements.
pub(super) fn counterparty(direction: Direction, elements: &[String]) -> Option<String> {
    first_value(
        match direction {
            Direction::Credit => PAYER,
            Direction::Debit => PAYEE,
        },
        elements,
    )
}

/// The other party's account, from the entry's text elements.
pub(super) fn counterparty_account(direction: Direction, elements: &[String]) -> Option<String> {
    first_value(
        match direction {
            Direction::Credit => PAYER_ACCOUNT,
            Direction::Debit => PAYEE_ACCOUNT,
        },
        elements,
    )
}

fn first_value(keys: &[&str], elements: &[String]) -> Option<String> {
    keys.iter()
        .find_map(|key| elements.iter().find_map(|element| value_of(key, element)))
}

/// Where a tag `key` starts a value in `s` at byte `at`: `key` stands at
/// the start or after a separator, and is followed (after spaces) by `:` or
/// `=`. Returns the byte where the value starts.
fn tag_at(s: &str, at: usize, key: &str) -> Option<usize> {
    let before = s.get(..at)?.chars().next_back();
    if !matches!(before, None | Some(' ' | '/' | ',' | ';' | '\t')) {
        return None;
    }
    let after = s.get(at + key.len()..)?;
    let rest = after.trim_start_matches(' ');
    if rest.starts_with([':', '=']) {
        Some(s.len() - rest.len() + 1)
    } else {
        None
    }
}

fn value_of(key: &str, element: &str) -> Option<String> {
    element.match_indices(key).find_map(|(at, _)| {
        let start = tag_at(element, at, key)?;
        let rest = element.get(start..)?;
        // The value runs to the next known tag.
        let end = PAYER
            .iter()
            .chain(PAYEE)
            .chain(OTHERS)
            .filter_map(|other| {
                rest.match_indices(other)
                    .find(|(i, _)| tag_at(element, start + i, other).is_some())
                    .map(|(i, _)| i)
            })
            .min()
            .unwrap_or(rest.len());
        let value = rest
            .get(..end)?
            .trim()
            .trim_end_matches([',', ';', '/'])
            .trim_end();
        (!value.is_empty()).then(|| value.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elements(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_credit_names_its_payer_from_the_debtor_name_tag() {
        let e = elements(&[
            "Incoming Wire,-",
            "EREF: X",
            "CRNM: US INC",
            "DBNM: ACME CORP",
        ]);
        assert_eq!(
            counterparty(Direction::Credit, &e).as_deref(),
            Some("ACME CORP")
        );
        assert_eq!(
            counterparty(Direction::Debit, &e).as_deref(),
            Some("US INC")
        );
    }

    #[test]
    fn a_value_ends_at_the_next_known_tag() {
        let e = elements(&["RTP Incoming,From: SAMPLE INC, Remittance Info: \"x\", GS ID: 1"]);
        assert_eq!(
            counterparty(Direction::Credit, &e).as_deref(),
            Some("SAMPLE INC")
        );
        let e = elements(&["WT FED#01234 /ORG=ACME CORP /BNF=US INC /OBI=INV 7"]);
        assert_eq!(
            counterparty(Direction::Credit, &e).as_deref(),
            Some("ACME CORP")
        );
        assert_eq!(
            counterparty(Direction::Debit, &e).as_deref(),
            Some("US INC")
        );
        let e = elements(&["ORIG CO NAME:ACME CORP ORIG ID:123 DESC DATE:0101"]);
        assert_eq!(
            counterparty(Direction::Credit, &e).as_deref(),
            Some("ACME CORP")
        );
    }

    #[test]
    fn a_key_inside_a_word_or_without_a_colon_is_not_a_tag() {
        let e = elements(&["TORONTO BRANCH", "NOTE: ORIGINAL", "B/O ACME"]);
        assert_eq!(counterparty(Direction::Credit, &e), None);
        assert_eq!(counterparty(Direction::Debit, &e), None);
    }

    #[test]
    fn citi_by_order_of_line_one_is_the_payer() {
        let e = elements(&[
            "OB:111111 BUCKINGHAM PALACE OB3:BARCLAYS BANK PLC",
            "BO:1 BO1:DOE JO",
        ]);
        assert_eq!(
            counterparty(Direction::Credit, &e).as_deref(),
            Some("DOE JO")
        );
    }

    #[test]
    fn an_empty_tag_value_is_no_counterparty() {
        let e = elements(&["DBNM: ", "CRNM:"]);
        assert_eq!(counterparty(Direction::Credit, &e), None);
        assert_eq!(counterparty(Direction::Debit, &e), None);
    }

    #[test]
    fn the_other_partys_account_follows_the_direction() {
        let e = elements(&["DACT: 8348572423", "CACT: 609873838"]);
        assert_eq!(
            counterparty_account(Direction::Credit, &e).as_deref(),
            Some("8348572423")
        );
        assert_eq!(
            counterparty_account(Direction::Debit, &e).as_deref(),
            Some("609873838")
        );
    }
}
