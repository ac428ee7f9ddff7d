//! Field `:86:` (information to account owner) of one statement line, read
//! into remittance text, counterparty, end-to-end id and creditor references.
//!
//! Banks fill `:86:` in one of a few dialects, tried in this order:
//! - German GVC (`166?00GUTSCHRIFT?20…?30…?31…?32…`), subfields `?NN`
//!   wrapped across lines at any character;
//! - `;`-separated key fields (mBank: `Z RACH.:`, `OD:`, `TYT.:`);
//! - slash-keyed (`/EREF/…/BENM//NAME/…/REMI/…`, Rabobank, ING, HSBC,
//!   and the line-per-field KBS variant `/BENM/account` + `/name` + `/text`);
//! - free text, one remittance element per line.

use crate::statement::Direction;

/// One physical line of an `:86:` field; `starts_field` for the line that
/// carries the tag (a second `:86:` in a row starts a new field).
#[derive(Debug, Clone)]
pub(super) struct InfoLine {
    pub text: String,
    pub starts_field: bool,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Details {
    pub remittance: Vec<String>,
    pub counterparty: Option<String>,
    pub counterparty_account: Option<String>,
    pub end_to_end_id: Option<String>,
    pub creditor_references: Vec<String>,
}

/// Reads the `:86:` lines of one entry moving money in `direction`.
pub(super) fn parse(lines: &[InfoLine], direction: Direction) -> Details {
    let joined: String = lines.iter().map(|line| line.text.as_str()).collect();
    let joined = joined.trim();
    let mut details = if is_gvc(joined) {
        gvc(joined)
    } else if is_semicolon_keyed(joined) {
        semicolon_keyed(joined, direction)
    } else {
        slash_keyed_or_free(&logical_lines(lines), direction)
    };
    let found: Vec<String> = details
        .remittance
        .iter()
        .flat_map(|text| creditor_reference_tokens(text))
        .collect();
    for reference in found {
        push_unique(&mut details.creditor_references, reference);
    }
    details
}

/// A line this long (SWIFT allows 65 characters; Rabobank wraps at 64)
/// wraps onto the next one mid-text, so the two are one logical line.
const WRAP_WIDTH: usize = 64;

/// Joins physical lines that wrap at full width; shorter lines end a
/// logical line (HSBC and KBS put one item per line).
fn logical_lines(lines: &[InfoLine]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut wraps = false;
    for line in lines {
        match out.last_mut() {
            Some(last) if wraps && !line.starts_field => last.push_str(&line.text),
            _ => out.push(line.text.clone()),
        }
        wraps = line.text.chars().count() >= WRAP_WIDTH;
    }
    out
}

fn push_text(list: &mut Vec<String>, text: &str) {
    let text = text.trim();
    if !text.is_empty() {
        list.push(text.to_owned());
    }
}

fn push_unique(list: &mut Vec<String>, text: String) {
    if !list.contains(&text) {
        list.push(text);
    }
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// End-to-end ids that say there is none.
fn end_to_end_id(text: &str) -> Option<String> {
    non_empty(text)
        .filter(|id| !matches!(id.to_ascii_uppercase().as_str(), "NOTPROVIDED" | "NONREF"))
}

/// Tokens shaped like an ISO 11649 creditor reference: `RF`, two check
/// digits, 1 to 21 letters or digits (the check digits are not verified).
pub(crate) fn creditor_reference_tokens(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '/' | '(' | ')'))
        .map(|token| token.trim_end_matches(['.', ':']))
        .filter(|token| is_creditor_reference(token))
        .map(str::to_owned)
        .collect()
}

pub(super) fn is_creditor_reference(token: &str) -> bool {
    let bytes = token.as_bytes();
    bytes.len() >= 5
        && bytes.len() <= 25
        && bytes.starts_with(b"RF")
        && bytes[2..4].iter().all(u8::is_ascii_digit)
        && bytes[4..]
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

// ---------------------------------------------------------------- GVC

/// `NNN?00…`: a three-digit business transaction code, then `?NN` subfields.
fn is_gvc(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 6
        && bytes[..3].iter().all(u8::is_ascii_digit)
        && bytes[3] == b'?'
        && bytes[4..6].iter().all(u8::is_ascii_digit)
}

/// Subfields `?NN` of a GVC text, in order (the leading code is skipped).
fn gvc_subfields(text: &str) -> Vec<(u8, &str)> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 2 < bytes.len() {
        if bytes[i] == b'?' && bytes[i + 1].is_ascii_digit() && bytes[i + 2].is_ascii_digit() {
            starts.push(i);
            i += 3;
        } else {
            i += 1;
        }
    }
    starts
        .iter()
        .enumerate()
        .filter_map(|(n, &start)| {
            let end = starts.get(n + 1).copied().unwrap_or(text.len());
            let key = (bytes[start + 1] - b'0') * 10 + (bytes[start + 2] - b'0');
            text.get(start + 3..end).map(|value| (key, value))
        })
        .collect()
}

/// Width of a GVC subfield; a full one continues in the next subfield.
const GVC_WIDTH: usize = 27;

/// SEPA keys that start a remittance subfield (`EREF+…`, `SVWZ+…`).
const SEPA_KEYS: [&str; 13] = [
    "EREF", "KREF", "MREF", "CRED", "DEBT", "SVWZ", "ABWA", "ABWE", "COAM", "OAMT", "IBAN", "BIC",
    "BREF",
];

fn sepa_key(text: &str) -> Option<(&'static str, &str)> {
    SEPA_KEYS.iter().find_map(|key| {
        text.strip_prefix(key)
            .and_then(|rest| rest.strip_prefix('+'))
            .map(|value| (*key, value))
    })
}

fn gvc(text: &str) -> Details {
    let mut details = Details::default();
    let mut purpose: Vec<String> = Vec::new();
    let mut continues = false;
    let mut name = String::new();
    for (key, value) in gvc_subfields(text) {
        match key {
            20..=29 | 60..=63 => {
                match purpose.last_mut() {
                    Some(last) if continues && sepa_key(value).is_none() => last.push_str(value),
                    _ => purpose.push(value.to_owned()),
                }
                continues = value.chars().count() >= GVC_WIDTH;
            }
            31 => details.counterparty_account = non_empty(value),
            32 | 33 => {
                if !name.is_empty() && name.chars().count() < GVC_WIDTH {
                    name.push(' ');
                }
                name.push_str(value);
            }
            _ => {}
        }
    }
    details.counterparty = non_empty(&name);
    for line in &purpose {
        let line = line.trim();
        match sepa_key(line) {
            Some(("EREF", value)) => details.end_to_end_id = end_to_end_id(value),
            Some(("SVWZ", value)) => push_text(&mut details.remittance, value),
            Some(("IBAN", value)) if details.counterparty_account.is_none() => {
                details.counterparty_account = non_empty(value)
            }
            Some(_) => {}
            None => push_text(&mut details.remittance, line),
        }
    }
    details
}

// ---------------------------------------------------------------- mBank

fn is_semicolon_keyed(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() > 4
        && bytes[..3].iter().all(u8::is_ascii_digit)
        && bytes[3] == b' '
        && text.contains(';')
        && text
            .split(';')
            .skip(1)
            .any(|part| semicolon_key(part).is_some())
}

fn semicolon_key(part: &str) -> Option<(String, &str)> {
    let (key, value) = part.split_once(':')?;
    let key = key.trim().to_uppercase();
    let known = key == "TYT." || key == "OD" || key == "DO" || key.ends_with("RACH.");
    known.then_some((key, value.trim()))
}

/// mBank: `911 TRANSAKCJA COLLECT; ID IPH: …; Z RACH.: account; OD: name
/// address; TYT.: remittance; TNR: …`.
fn semicolon_keyed(text: &str, direction: Direction) -> Details {
    let mut details = Details::default();
    let (mut from, mut to) = (None, None);
    for part in text.split(';').skip(1) {
        let Some((key, value)) = semicolon_key(part) else {
            continue;
        };
        match key.as_str() {
            "TYT." => push_text(&mut details.remittance, value),
            // Name and address are one field; two spaces end the name.
            "OD" => from = non_empty(value.split("  ").next().unwrap_or(value)),
            "DO" => to = non_empty(value.split("  ").next().unwrap_or(value)),
            _ => details.counterparty_account = non_empty(&value.replace(' ', "")),
        }
    }
    details.counterparty = match direction {
        Direction::Credit => from.or(to),
        Direction::Debit => to.or(from),
    };
    details
}

// ---------------------------------------------------------------- slash keys

/// Keys of the slash-keyed dialect (SWIFT/SEPA field names used by
/// Rabobank, ING, ABN AMRO SEPA, HSBC, KBS …).
pub(crate) const SLASH_KEYS: [&str; 34] = [
    "EREF",
    "PREF",
    "KREF",
    "MARF",
    "CSID",
    "BENM",
    "ORDP",
    "CNTP",
    "NAME",
    "ADDR",
    "IBAN",
    "BIC",
    "REMI",
    "ISDT",
    "SVCL",
    "PURP",
    "RTRN",
    "ULTB",
    "ULTD",
    "ULTC",
    "OCMT",
    "CHGS",
    "EXCH",
    "CRF",
    "CDTRREF",
    "CDTRREFTP",
    "TRCD",
    "BUSP",
    "ACCW",
    "CD",
    "ISSR",
    "TXT",
    "BENE",
    "ORDR",
];

/// Keys that only occur in the structured dialect: a free-text line that
/// carries one mid-line continues the structured text.
const STRUCTURAL_KEYS: [&str; 8] = [
    "EREF", "BENM", "ORDP", "NAME", "REMI", "ISDT", "CSID", "MARF",
];

fn is_slash_key(segment: &str) -> bool {
    SLASH_KEYS.contains(&segment)
}

fn starts_with_slash_key(line: &str) -> bool {
    line.strip_prefix('/')
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(key, _)| is_slash_key(key))
}

fn contains_structural_key(line: &str) -> bool {
    STRUCTURAL_KEYS
        .iter()
        .any(|key| line.contains(&format!("/{key}/")))
}

#[derive(Default)]
struct Party {
    account: Option<String>,
    name: Option<String>,
}

fn slash_keyed_or_free(lines: &[String], direction: Direction) -> Details {
    if let Some(details) = kbs(lines) {
        return details;
    }
    let mut structured = String::new();
    let mut free: Vec<String> = Vec::new();
    for line in lines {
        let trimmed = line.trim();
        if starts_with_slash_key(trimmed)
            || (!structured.is_empty() && contains_structural_key(trimmed))
        {
            structured.push_str(trimmed);
        } else {
            push_text(&mut free, trimmed);
        }
    }
    let mut details = if structured.is_empty() {
        Details::default()
    } else {
        slash_keyed(&structured, direction)
    };
    details.remittance.extend(free);
    details
}

/// `/KEY/value/KEY/value…`; a value runs to the next known key, so it may
/// hold slashes (`/REMI/USTD//text/`).
fn slash_keyed(text: &str, direction: Direction) -> Details {
    let mut segments = text.split('/');
    let mut details = Details::default();
    if let Some(before) = segments.next() {
        push_text(&mut details.remittance, before);
    }
    let mut fields: Vec<(&str, Vec<&str>)> = Vec::new();
    for segment in segments {
        match fields.last_mut() {
            _ if is_slash_key(segment) => fields.push((segment, Vec::new())),
            Some((_, values)) => values.push(segment),
            None => {}
        }
    }
    let (mut beneficiary, mut ordering, mut counterparty, mut unnamed) = (
        Party::default(),
        Party::default(),
        Party::default(),
        Party::default(),
    );
    let mut current: Option<&str> = None;
    for (key, values) in &fields {
        let joined = values.join("/");
        let value = joined.trim().trim_end_matches('/').trim();
        let party = match current {
            Some("BENM") => &mut beneficiary,
            Some("ORDP") => &mut ordering,
            Some("CNTP") => &mut counterparty,
            _ => &mut unnamed,
        };
        match *key {
            "EREF" => details.end_to_end_id = end_to_end_id(value),
            "BENM" | "ORDP" | "BENE" | "ORDR" => {
                current = Some(if matches!(*key, "BENM" | "BENE") {
                    "BENM"
                } else {
                    "ORDP"
                });
                let party = if current == Some("BENM") {
                    &mut beneficiary
                } else {
                    &mut ordering
                };
                party.account = non_empty(value);
            }
            "CNTP" => {
                // ING: /CNTP/account/BIC/name/city/
                current = Some("CNTP");
                counterparty.account = values.first().and_then(|v| non_empty(v));
                counterparty.name = values.get(2).and_then(|v| non_empty(v));
            }
            "NAME" => party.name = non_empty(value),
            "IBAN" if party.account.is_none() => party.account = non_empty(value),
            "REMI" => remi(value, &mut details),
            "CRF" | "CDTRREF" => {
                if let Some(reference) = non_empty(value) {
                    push_unique(&mut details.creditor_references, reference);
                }
            }
            _ => {}
        }
    }
    let order = match direction {
        Direction::Credit => [ordering, counterparty, unnamed, beneficiary],
        Direction::Debit => [beneficiary, counterparty, unnamed, ordering],
    };
    for party in order {
        if details.counterparty.is_none() && details.counterparty_account.is_none() {
            details.counterparty = party.name;
            details.counterparty_account = party.account;
        }
    }
    details
}

/// `/REMI/text`, `/REMI/USTD//text/`, or structured `/REMI/STRD/CUR/RF…/`.
fn remi(value: &str, details: &mut Details) {
    if let Some(rest) = value.strip_prefix("STRD/") {
        let reference = rest
            .split_once('/')
            .map_or(rest, |(_issuer, reference)| reference);
        if let Some(reference) = non_empty(reference.trim_matches('/')) {
            push_unique(&mut details.creditor_references, reference);
        }
    } else {
        push_text(
            &mut details.remittance,
            value.strip_prefix("USTD//").unwrap_or(value),
        );
    }
}

/// Komercijalna Banka Skopje: `/BENM/account` or `/ORDP/account`, then
/// one item per line: `/name`, then remittance lines (`/EMPTY/` for none).
fn kbs(lines: &[String]) -> Option<Details> {
    let first = lines.first()?.trim();
    let account = first
        .strip_prefix("/BENM/")
        .or_else(|| first.strip_prefix("/ORDP/"))?;
    let second = lines.get(1)?.trim();
    if account.is_empty()
        || account.contains('/')
        || !second.starts_with('/')
        || starts_with_slash_key(second)
    {
        return None;
    }
    let mut details = Details {
        counterparty_account: non_empty(account),
        counterparty: non_empty(&second[1..]),
        ..Details::default()
    };
    for line in &lines[2..] {
        let text = line.trim();
        let text = text.strip_prefix('/').unwrap_or(text);
        if !matches!(text.trim(), "EMPTY" | "EMPTY/") {
            push_text(&mut details.remittance, text);
        }
    }
    Some(details)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<InfoLine> {
        text.lines()
            .enumerate()
            .map(|(i, line)| InfoLine {
                text: line.to_owned(),
                starts_field: i == 0,
            })
            .collect()
    }

    fn read(text: &str, direction: Direction) -> Details {
        parse(&lines(text), direction)
    }

    #[test]
    fn gvc_subfields_are_joined_across_lines_before_splitting() {
        let details = read(
            "051?00Bank Transfer Credit?10930226?20QQW53T2245ZGY46J ABBUCH\nUNG?21VOM PAYPAL-KONTO?22100318P3TX1433EV?3050070010?310175526300\n?32PAYPAL?34000",
            Direction::Credit,
        );
        assert_eq!(
            details.remittance,
            vec![
                "QQW53T2245ZGY46J ABBUCHUNG",
                "VOM PAYPAL-KONTO",
                "100318P3TX1433EV"
            ]
        );
        assert_eq!(details.counterparty.as_deref(), Some("PAYPAL"));
        assert_eq!(details.counterparty_account.as_deref(), Some("0175526300"));
        assert_eq!(details.end_to_end_id, None);
    }

    #[test]
    fn a_full_width_gvc_subfield_continues_in_the_next_one() {
        let details = read(
            "166?00GUTSCHRIFT?20EREF+EndToEndIdTFNR20004000?2101?22SVWZ+Rechnung 2023-0001 und?23 2023-0002?32Richter Renate 70 Zeichen B?33eginn Fuellzeichen",
            Direction::Credit,
        );
        assert_eq!(
            details.end_to_end_id.as_deref(),
            Some("EndToEndIdTFNR2000400001")
        );
        assert_eq!(details.remittance, vec!["Rechnung 2023-0001 und 2023-0002"]);
        assert_eq!(
            details.counterparty.as_deref(),
            Some("Richter Renate 70 Zeichen Beginn Fuellzeichen")
        );
    }

    #[test]
    fn a_short_gvc_name_part_is_joined_with_a_space() {
        let details = read(
            "166?00GUTSCHRIFT?32Max Mustermann?33GmbH",
            Direction::Credit,
        );
        assert_eq!(details.counterparty.as_deref(), Some("Max Mustermann GmbH"));
    }

    #[test]
    fn gvc_remittance_fields_60_to_63_follow_20_to_29() {
        let details = read("166?00X?20erste Zeile?60zweite Zeile", Direction::Credit);
        assert_eq!(details.remittance, vec!["erste Zeile", "zweite Zeile"]);
    }

    #[test]
    fn an_rf_creditor_reference_in_remittance_is_also_a_creditor_reference() {
        let details = read(
            "166?00GUTSCHRIFT?20SVWZ+RF18539007547034 danke",
            Direction::Credit,
        );
        assert_eq!(details.remittance, vec!["RF18539007547034 danke"]);
        assert_eq!(details.creditor_references, vec!["RF18539007547034"]);
    }

    #[test]
    fn a_word_that_only_starts_like_rf_is_not_a_creditor_reference() {
        assert!(!is_creditor_reference("RFC1234"));
        assert!(!is_creditor_reference("RF12"));
        assert!(!is_creditor_reference("RF12abc"));
        assert!(is_creditor_reference("RF471234"));
    }

    #[test]
    fn rabobank_slash_keys_give_end_to_end_id_name_and_remittance() {
        let details = read(
            "/EREF/01-01-2013 12:00 0030000987654321/BENM//NAME/CONTRA ACCOUN\nT HOLDER/REMI/Invoice 2013/17/ISDT/2013-07-11",
            Direction::Debit,
        );
        assert_eq!(
            details.end_to_end_id.as_deref(),
            Some("01-01-2013 12:00 0030000987654321")
        );
        assert_eq!(
            details.counterparty.as_deref(),
            Some("CONTRA ACCOUNT HOLDER")
        );
        assert_eq!(details.remittance, vec!["Invoice 2013/17"]);
    }

    #[test]
    fn the_ordering_party_is_the_counterparty_of_a_credit() {
        let details = read(
            "/ORDP//NAME/PAYER LTD/IBAN/NL91ABNA0417164300/REMI/USTD//INV 42/BENM//NAME/US",
            Direction::Credit,
        );
        assert_eq!(details.counterparty.as_deref(), Some("PAYER LTD"));
        assert_eq!(
            details.counterparty_account.as_deref(),
            Some("NL91ABNA0417164300")
        );
        assert_eq!(details.remittance, vec!["INV 42"]);
    }

    #[test]
    fn structured_remi_and_crf_give_creditor_references() {
        let details = read(
            "/CRF/RF18539007547034/REMI/STRD/CUR/RF471234/",
            Direction::Credit,
        );
        assert_eq!(
            details.creditor_references,
            vec!["RF18539007547034", "RF471234"]
        );
        assert!(details.remittance.is_empty());
    }

    #[test]
    fn ing_cntp_gives_counterparty_account_and_name() {
        let details = read(
            "/CNTP/NL12INGB0001234567/INGBNL2A/J Doe/AMSTERDAM//REMI/USTD//abc/",
            Direction::Credit,
        );
        assert_eq!(
            details.counterparty_account.as_deref(),
            Some("NL12INGB0001234567")
        );
        assert_eq!(details.counterparty.as_deref(), Some("J Doe"));
        assert_eq!(details.remittance, vec!["abc"]);
    }

    #[test]
    fn kbs_puts_account_name_and_remittance_one_per_line() {
        let details = read(
            "/ORDP/300000000460495\n/IVOTEHNA DOOEL SKOPJE\n/747//747\n/EMPTY/\n/Uplata po faktura 747",
            Direction::Credit,
        );
        assert_eq!(
            details.counterparty_account.as_deref(),
            Some("300000000460495")
        );
        assert_eq!(
            details.counterparty.as_deref(),
            Some("IVOTEHNA DOOEL SKOPJE")
        );
        assert_eq!(
            details.remittance,
            vec!["747//747", "Uplata po faktura 747"]
        );
    }

    #[test]
    fn an_unknown_slash_line_and_short_lines_stay_free_text() {
        let details = read(
            "/OCMT/USD2853,12/\nPAYMENT OF INVOICES 204011665 20401 1687\n/OGB/WXXXXX BANKING CORPORATION /VA/123456XXXXXX\nBENEFICIARY INFO",
            Direction::Debit,
        );
        assert_eq!(
            details.remittance,
            vec![
                "PAYMENT OF INVOICES 204011665 20401 1687",
                "/OGB/WXXXXX BANKING CORPORATION /VA/123456XXXXXX",
                "BENEFICIARY INFO"
            ]
        );
        assert_eq!(details.counterparty, None);
    }

    #[test]
    fn mbank_semicolon_fields_give_account_name_and_title() {
        let details = read(
            "911 TRANSAKCJA COLLECT; ID IPH: XX000000000001; Z RACH.: \n56114010810000267002001001; OD: JAN NOWAK  \nUL. NIJAKA 1 M 2 31-234 KRAKOW; TYT.: PRZELEW SRODKOW   ; \nTNR: 179171073864111.010001",
            Direction::Credit,
        );
        assert_eq!(
            details.counterparty_account.as_deref(),
            Some("56114010810000267002001001")
        );
        assert_eq!(details.counterparty.as_deref(), Some("JAN NOWAK"));
        assert_eq!(details.remittance, vec!["PRZELEW SRODKOW"]);
    }

    #[test]
    fn free_text_keeps_one_element_per_line_and_joins_full_width_wraps() {
        let details = read(
            "DBTS 5078078137/Bnf. DBC Testkunde BOX 1234/Bnf.acc. SE511200XXXX\n013390111069/Our fee DKK 20,00\nHOLMENS KANAL 2-12",
            Direction::Debit,
        );
        assert_eq!(
            details.remittance,
            vec![
                "DBTS 5078078137/Bnf. DBC Testkunde BOX 1234/Bnf.acc. SE511200XXXX013390111069/Our fee DKK 20,00",
                "HOLMENS KANAL 2-12"
            ]
        );
    }

    #[test]
    fn a_second_86_field_starts_a_new_line() {
        let lines = vec![
            InfoLine {
                text: "x".repeat(65),
                starts_field: true,
            },
            InfoLine {
                text: "second".into(),
                starts_field: true,
            },
        ];
        assert_eq!(
            parse(&lines, Direction::Credit).remittance,
            vec!["x".repeat(65), "second".into()]
        );
    }
}
