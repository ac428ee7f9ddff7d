//! What a payer writes to name an invoice: ISO 11649 creditor references
//! (`RF18 INV2026000042`) and invoice numbers however they were typed
//! (`INV-2026-000042`, `inv 2026/42`, `2026000042`, one digit wrong).

use crate::invoice_number::InvoiceNumber;

/// The creditor reference o2c prints for an invoice: ISO 11649 over the
/// number's letters and digits (`RF` + two check digits + `INV2026000042`).
pub fn creditor_reference(number: InvoiceNumber) -> String {
    let body: String = number.to_string().chars().filter(char::is_ascii_alphanumeric).collect();
    let check = 98 - mod97(&format!("{body}RF00")).unwrap_or(0);
    format!("RF{check:02}{body}")
}

/// ISO 7064 mod 97-10 over letters (A=10 … Z=35) and digits.
fn mod97(text: &str) -> Option<u32> {
    let mut rem: u32 = 0;
    for c in text.chars() {
        let v = c.to_digit(36)?;
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    Some(rem)
}

/// The body of a valid ISO 11649 reference (`RF18 INV2026 000042` ->
/// `INV2026000042`), spaces ignored, or `None`.
pub fn rf_body(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    if compact.len() < 5 || compact.len() > 25 || !compact.starts_with("RF") || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let (head, body) = compact.split_at(4);
    if !head[2..].chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    (mod97(&format!("{body}{head}")) == Some(1)).then(|| body.to_owned())
}

/// Every `RF…` reference in free text (they may be split by spaces into
/// groups of four, as printed).
pub fn rf_in_text(text: &str) -> Vec<String> {
    let upper = text.to_ascii_uppercase();
    let words: Vec<&str> = upper.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let mut found = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if !w.starts_with("RF") || w.len() < 4 {
            continue;
        }
        // Join the following groups while the result stays a plausible length.
        let mut joined = (*w).to_owned();
        let mut best = rf_body(&joined);
        for next in words.iter().skip(i + 1).take(6) {
            joined.push_str(next);
            if joined.len() > 25 {
                break;
            }
            if let Some(b) = rf_body(&joined) {
                best = Some(b);
            }
        }
        if let Some(b) = best {
            found.push(b);
        }
    }
    found
}

/// An invoice number as the index keys it: `YYYY` and the 6-digit
/// sequence, 10 digits (`2026000042`).
pub fn number_key(number: InvoiceNumber) -> String {
    format!("{:04}{:06}", number.year(), number.sequence())
}

/// A number a payer wrote, and how sure we are it is one of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenNumber {
    /// 10 digits, `YYYYNNNNNN` (possibly with a typo).
    pub key: String,
    /// Written with the `INV` prefix (a typo is then tolerated).
    pub prefixed: bool,
    /// As it appeared, for the explanation.
    pub as_written: String,
}

/// Candidate invoice numbers in remittance text: `INV` followed by the
/// year and sequence in any grouping, or a bare 10-digit `YYYYNNNNNN`,
/// or `YYYY-NNNNNN` with a 6-digit sequence.
pub fn numbers_in_text(text: &str) -> Vec<WrittenNumber> {
    let upper = text.to_ascii_uppercase();
    // Letters and digits in runs; `INV2026` splits into `INV` + `2026`.
    let mut words: Vec<String> = Vec::new();
    for raw in upper.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        let mut cur = String::new();
        let mut digit = None;
        for c in raw.chars() {
            let d = c.is_ascii_digit();
            if digit.is_some_and(|p| p != d) {
                words.push(std::mem::take(&mut cur));
            }
            cur.push(c);
            digit = Some(d);
        }
        words.push(cur);
    }
    let is_digits = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit());
    let mut found: Vec<WrittenNumber> = Vec::new();
    let mut push = |n: WrittenNumber| {
        if !found.iter().any(|f| f.key == n.key) {
            found.push(n);
        }
    };
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        if w == "INV" || w == "INVOICE" || w == "RECHNUNG" || w == "FACTURE" || w == "RE" || w == "NR" {
            let digits: Vec<&String> = words[i + 1..].iter().take_while(|x| is_digits(x)).take(2).collect();
            match digits.as_slice() {
                [one] if (9..=11).contains(&one.len()) => push(WrittenNumber { key: (*one).clone(), prefixed: w == "INV", as_written: format!("{w} {one}") }),
                [year, seq, ..] if year.len() == 4 && (1..=6).contains(&seq.len()) => {
                    push(WrittenNumber { key: format!("{year}{:0>6}", seq), prefixed: w == "INV", as_written: format!("{w} {year} {seq}") });
                }
                [year, seq, ..] if year.len() == 4 && seq.len() == 7 && seq.starts_with('0') => {
                    // A doubled zero: keep it as a typo candidate.
                    push(WrittenNumber { key: format!("{year}{seq}"), prefixed: w == "INV", as_written: format!("{w} {year} {seq}") });
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        if is_digits(w) && w.len() == 10 {
            push(WrittenNumber { key: w.clone(), prefixed: false, as_written: w.clone() });
        } else if is_digits(w) && w.len() == 4 {
            if let Some(seq) = words.get(i + 1).filter(|s| is_digits(s) && s.len() == 6) {
                push(WrittenNumber { key: format!("{w}{seq}"), prefixed: false, as_written: format!("{w}-{seq}") });
            }
        }
        i += 1;
    }
    found
}

/// Keys one edit away from `key` (a digit changed, dropped, doubled or
/// two neighbours swapped), 10 digits long.
pub fn one_edit_away(key: &str) -> Vec<String> {
    let b: Vec<char> = key.chars().collect();
    let mut out = Vec::new();
    match b.len() {
        10 => {
            for i in 0..10 {
                for d in '0'..='9' {
                    if d != b[i] {
                        let mut c = b.clone();
                        c[i] = d;
                        out.push(c.iter().collect());
                    }
                }
                if i + 1 < 10 && b[i] != b[i + 1] {
                    let mut c = b.clone();
                    c.swap(i, i + 1);
                    out.push(c.iter().collect());
                }
            }
        }
        9 => {
            for i in 0..=9 {
                for d in '0'..='9' {
                    let mut c = b.clone();
                    c.insert(i, d);
                    out.push(c.iter().collect());
                }
            }
        }
        11 => {
            for i in 0..11 {
                let mut c = b.clone();
                c.remove(i);
                out.push(c.iter().collect());
            }
        }
        _ => {}
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> InvoiceNumber {
        InvoiceNumber::parse(s).unwrap()
    }

    #[test]
    fn the_creditor_reference_of_an_invoice_is_a_valid_iso_11649_reference() {
        let rf = creditor_reference(n("INV-2026-000042"));
        assert!(rf.starts_with("RF") && rf.ends_with("INV2026000042"), "{rf}");
        assert_eq!(rf_body(&rf).as_deref(), Some("INV2026000042"));
        // The standard's own example.
        assert_eq!(rf_body("RF18 5390 0754 7034").as_deref(), Some("539007547034"));
        assert_eq!(rf_body("RF19 5390 0754 7034"), None, "a wrong check digit is refused");
    }

    #[test]
    fn references_are_found_in_text_even_split_into_groups() {
        let rf = creditor_reference(n("INV-2026-000042"));
        let spaced: String = rf.chars().collect::<Vec<_>>().chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ");
        assert_eq!(rf_in_text(&format!("Payment {spaced} thanks")), vec!["INV2026000042".to_owned()]);
    }

    #[test]
    fn invoice_numbers_are_read_however_they_were_typed() {
        let keys = |t: &str| numbers_in_text(t).into_iter().map(|w| w.key).collect::<Vec<_>>();
        assert_eq!(keys("Payment INV-2026-000042 thank you"), vec!["2026000042"]);
        assert_eq!(keys("inv 2026/42"), vec!["2026000042"]);
        assert_eq!(keys("INV2026000042, INV2026000043"), vec!["2026000042", "2026000043"]);
        assert_eq!(keys("ref 2026000042"), vec!["2026000042"]);
        assert_eq!(keys("2026-000042"), vec!["2026000042"]);
        assert_eq!(keys("Rechnung 2026 17"), vec!["2026000017"]);
        assert!(keys("order 42 from 2026-11-23").is_empty(), "a date is not an invoice number");
    }

    #[test]
    fn one_edit_covers_a_wrong_dropped_doubled_or_swapped_digit() {
        let near = one_edit_away("2026000042");
        assert!(near.contains(&"2026000043".to_owned()));
        assert!(near.contains(&"2026000024".to_owned()));
        assert!(one_edit_away("202600042").contains(&"2026000042".to_owned()), "a dropped digit");
        assert!(one_edit_away("20260000042").contains(&"2026000042".to_owned()), "a doubled digit");
    }
}
