//! The third-party MT940 samples in `shared/samples/mt940` (outside this
//! repository; provenance in `shared/samples/SOURCES.md`), read whole, with
//! facts checked per file. Quirks of a file are noted where it is read, the
//! files are never edited. Without the folder the tests print a note and pass.

use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::parse;
use crate::statement::{Direction, Entry, Statement};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/mt940");

const FILES: [&str; 8] = [
    "mt940-rs_abnamro_mt940.sta",
    "mt940-rs_danskebank_MT940_DK_Example.sta",
    "php-mt940_hsbc_sample.sta",
    "php-mt940_kbs_sample.sta",
    "wolph-mt940_betterplace_sepa_mt9401.sta",
    "wolph-mt940_betterplace_with_binary_character.sta",
    "wolph-mt940_jejik_rabobank-iban.sta",
    "wolph-mt940_mbank_mt940.sta",
];

/// The statements in sample `name`, or `None` (with a note) when the
/// samples folder is not there.
fn sample(name: &str) -> Option<Vec<Statement>> {
    let path = Path::new(DIR).join(name);
    if !Path::new(DIR).is_dir() {
        println!("note: {DIR} is absent; skipping the MT940 sample {name}");
        return None;
    }
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    Some(parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}")))
}

fn dec(text: &str) -> Decimal {
    text.parse().expect("test decimal")
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn entries(statements: &[Statement]) -> impl Iterator<Item = &Entry> {
    statements.iter().flat_map(|s| s.entries.iter())
}

/// Opening balance plus credits minus debits is the closing balance.
fn reconciles(statement: &Statement) -> bool {
    let (Some(opening), Some(closing)) = (&statement.opening_balance, &statement.closing_balance)
    else {
        return false;
    };
    let moved: Decimal = statement
        .entries
        .iter()
        .map(|e| {
            if e.direction == Direction::Credit {
                e.amount
            } else {
                -e.amount
            }
        })
        .sum();
    opening.amount + moved == closing.amount
}

#[test]
fn every_sample_file_is_read_whole() {
    let Ok(listing) = std::fs::read_dir(DIR) else {
        println!("note: {DIR} is absent; skipping the MT940 samples");
        return;
    };
    let mut names: Vec<String> = listing
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        let statements = sample(name).unwrap_or_default();
        assert!(!statements.is_empty(), "{name}: no statements");
        for statement in &statements {
            assert!(!statement.account.is_empty(), "{name}: empty account");
            for entry in &statement.entries {
                assert!(
                    entry.amount >= Decimal::ZERO,
                    "{name}: negative amount {entry:?}"
                );
                assert_eq!(Some(&entry.currency), statement.currency.as_ref(), "{name}");
            }
        }
    }
    for known in FILES {
        assert!(
            names.iter().any(|n| n == known),
            "{known} is missing from {DIR}"
        );
    }
}

#[test]
fn abn_amro_has_two_messages_behind_bank_header_lines() {
    let Some(statements) = sample("mt940-rs_abnamro_mt940.sta") else {
        return;
    };
    assert_eq!(statements.len(), 2);
    assert!(
        statements
            .iter()
            .all(|s| s.account == "123456789"
                && s.statement_id.as_deref() == Some("ABN AMRO BANK NV"))
    );
    // `:28:`, not `:28C:`.
    assert_eq!(statements[0].sequence.as_deref(), Some("23801/1"));
    assert_eq!(statements[1].sequence.as_deref(), Some("24101/1"));
    assert_eq!(
        (statements[0].entries.len(), statements[1].entries.len()),
        (3, 1)
    );
    let opening = statements[0].opening_balance.as_ref().expect("opening");
    assert_eq!(
        (opening.amount, opening.date),
        (dec("1111.10"), date(2019, 8, 25))
    );
    let first = &statements[0].entries[0];
    assert_eq!(
        (first.amount, first.direction),
        (dec("5.34"), Direction::Debit)
    );
    assert_eq!(
        (first.value_date, first.booking_date),
        (date(2019, 8, 24), date(2019, 8, 24))
    );
    assert_eq!(first.bank_code.as_deref(), Some("N426"));
    assert_eq!(
        first.remittance,
        vec!["BEA   NR:YV7XDL   24.08.19/15.33 RESTAURANT IL SENSO MIDD,PAS263"]
    );
    assert_eq!(statements[1].entries[0].amount, dec("8.25"));
    // Quirk: the example's balances are made up and do not add up.
    assert!(!reconciles(&statements[0]));
}

#[test]
fn danske_bank_has_fifteen_statements_and_eighty_nine_entries_after_a_preamble() {
    let Some(statements) = sample("mt940-rs_danskebank_MT940_DK_Example.sta") else {
        return;
    };
    assert_eq!(statements.len(), 15);
    assert_eq!(entries(&statements).count(), 89);
    assert!(statements
        .iter()
        .all(|s| s.account == "1234567890" && s.currency.as_deref() == Some("DKK")));
    assert!(
        statements.iter().all(reconciles),
        "every Danske statement adds up"
    );
    assert_eq!(statements[0].sequence.as_deref(), Some("00001/001"));
    let opening = statements[0].opening_balance.as_ref().expect("opening");
    assert_eq!(
        (opening.amount, opening.date),
        (dec("2478926.70"), date(2009, 9, 24))
    );
    // `DK…`: debit, funds code K.
    let first = &statements[0].entries[0];
    assert_eq!(
        (first.amount, first.direction, first.bank_code.as_deref()),
        (dec("829419.78"), Direction::Debit, Some("NTRF"))
    );
    // The four statement-level `:86:` lines after `:60F:` are not the entry's.
    assert!(first.remittance.is_empty());
    // `0910010930`: value 1 October, booked 30 September.
    let fee = &statements[0].entries[1];
    assert_eq!(
        (fee.value_date, fee.booking_date),
        (date(2009, 10, 1), date(2009, 9, 30))
    );
    assert_eq!(fee.remittance, vec!["Gebyrer ifolge nota"]);
    // `CK…`: credit; `:86:` continues on untagged lines, one element per line.
    let invoice = &statements[0].entries[5];
    assert_eq!(
        (invoice.amount, invoice.direction),
        (dec("2000.00"), Direction::Credit)
    );
    assert_eq!(
        invoice.remittance,
        vec![
            "DB faktura 1234567",
            "Testkunde",
            "HOLMENS KANAL 2-12",
            "1192  KOBENHAVN H"
        ]
    );
    assert_eq!(invoice.bank_reference.as_deref(), Some("1234567"));
    // Quirk: Danske splits its own text with `//`, so the "bank reference"
    // is often the tail of a word (`DBT.TestBankeser//vice`).
    assert!(entries(&statements).any(|e| e.bank_reference.as_deref() == Some("vice")));
    // A full-width `:86:` line wraps mid-IBAN; the pieces are joined.
    assert!(entries(&statements).any(|e| e
        .remittance
        .first()
        .is_some_and(|r| r.contains("Bnf.acc. SE511200XXXX013390111069/Our fee DKK 20,00"))));
    // `:62M:` closes part 1 of statement 12, `:60M:` opens part 2.
    assert_eq!(statements[11].sequence.as_deref(), Some("00012/001"));
    assert_eq!(statements[12].sequence.as_deref(), Some("00012/002"));
    assert_eq!(
        statements[11].closing_balance.as_ref().map(|b| b.amount),
        Some(dec("2040421.62"))
    );
    assert_eq!(
        statements[12].opening_balance.as_ref().map(|b| b.amount),
        Some(dec("2040421.62"))
    );
    assert!(entries(&statements).all(|e| !e.reversal));
}

#[test]
fn hsbc_keeps_the_hkd_amount_and_not_the_ocmt_original_amount() {
    let Some(statements) = sample("php-mt940_hsbc_sample.sta") else {
        return;
    };
    assert_eq!(statements.len(), 1);
    let statement = &statements[0];
    assert_eq!(
        (
            statement.account.as_str(),
            statement.statement_id.as_deref()
        ),
        ("808XXXXXX292", Some("AIU0006362100017"))
    );
    assert_eq!(statement.sequence.as_deref(), Some("00001/00001"));
    let entry = &statement.entries[0];
    assert_eq!(
        (entry.amount, entry.currency.as_str()),
        (dec("20000.00"), "HKD")
    );
    // `DD`: debit with funds code D.
    assert_eq!(entry.direction, Direction::Debit);
    assert_eq!(entry.bank_reference.as_deref(), Some("6128522200250001"));
    // `/OCMT/USD2853,12/` is an original amount, not remittance text.
    assert!(entry
        .remittance
        .iter()
        .all(|line| !line.contains("OCMT") && !line.contains("2853")));
    assert_eq!(
        entry.remittance[0],
        "PAYMENT OF INVOICES 204011665 20401 1687"
    );
    assert_eq!(entry.remittance.len(), 3);
    // The `:86:/OSDR/…` after `:64:` is statement level.
    assert!(entry.remittance.iter().all(|line| !line.contains("OSDR")));
    // Quirk: balances 0,00 before and after a 20000,00 debit.
    assert!(!reconciles(statement));
}

#[test]
fn kbs_reads_the_swift_envelope_and_bare_comma_amounts() {
    let Some(statements) = sample("php-mt940_kbs_sample.sta") else {
        return;
    };
    assert_eq!(statements.len(), 1);
    let statement = &statements[0];
    assert_eq!(
        (statement.account.as_str(), statement.currency.as_deref()),
        ("300000002778989", Some("MKD"))
    );
    assert_eq!(statement.statement_id.as_deref(), Some("STM123201201"));
    assert_eq!(
        statement.opening_balance.as_ref().map(|b| b.amount),
        Some(dec("35122"))
    );
    assert!(reconciles(statement));
    let amounts: Vec<(Decimal, Direction)> = statement
        .entries
        .iter()
        .map(|e| (e.amount, e.direction))
        .collect();
    assert_eq!(
        amounts,
        vec![
            (dec("80"), Direction::Debit),
            (dec("300"), Direction::Debit),
            (dec("2250"), Direction::Credit)
        ]
    );
    let fee = &statement.entries[0];
    assert_eq!(fee.counterparty_account.as_deref(), Some("300000000000133"));
    assert_eq!(
        fee.counterparty.as_deref(),
        Some("KOMERCIJALNA BANKA AD SKOPJE-CENTRALA SKul. Orce Nikolov br.3")
    );
    // `/EMPTY/` is no text.
    assert_eq!(
        statement.entries[1].remittance,
        vec!["Mesecna provizija za mesec 11/2020"]
    );
    let payment = &statement.entries[2];
    assert_eq!(
        payment.counterparty.as_deref(),
        Some("IVOTEHNA DOOEL SKOPJE")
    );
    assert_eq!(
        payment.counterparty_account.as_deref(),
        Some("300000000460495")
    );
    assert_eq!(payment.bank_reference.as_deref(), Some("25577226"));
    assert!(payment
        .remittance
        .iter()
        .any(|line| line == "Uplata po faktura 747"));
}

#[test]
fn betterplace_sepa_has_twenty_six_statements_and_ninety_seven_entries() {
    let Some(statements) = sample("wolph-mt940_betterplace_sepa_mt9401.sta") else {
        return;
    };
    assert_eq!(statements.len(), 26);
    assert_eq!(entries(&statements).count(), 97);
    assert!(
        statements.iter().all(reconciles),
        "every betterplace statement adds up"
    );
    // A debit opening balance.
    let first = &statements[0];
    assert_eq!(first.account, "0194774600888");
    assert_eq!(
        first.opening_balance.as_ref().map(|b| b.amount),
        Some(dec("-1234718.36"))
    );
    // `CR300,`: credit, funds code R, no decimals.
    let returned = &first.entries[0];
    assert_eq!(
        (returned.amount, returned.direction),
        (dec("300"), Direction::Credit)
    );
    assert_eq!(returned.end_to_end_id.as_deref(), Some("TFNR 40005 00005"));
    assert_eq!(returned.bank_reference.as_deref(), Some("0724710345313905"));
    assert_eq!(
        returned.remittance,
        vec!["MTLG:Grund nicht spezifiziert Reject aus SEPA-Ueberweisungsauftrag"]
    );
    // `RCR`: reversal of a credit, money out. SOURCES.md says "a reversal";
    // the file has two `RCR` lines.
    let reversals: Vec<&Entry> = entries(&statements).filter(|e| e.reversal).collect();
    assert_eq!(reversals.len(), 2);
    assert!(reversals
        .iter()
        .all(|e| e.direction == Direction::Debit && e.amount == dec("204.88")));
    assert_eq!(reversals[0].bank_code.as_deref(), Some("NRTI"));
    // GVC subfields wrapped over lines, a full 27-character subfield
    // continuing in the next, `?32`+`?33` name, `?31` IBAN.
    let credit = &statements[1].entries[0];
    assert_eq!(credit.amount, dec("15000.05"));
    assert_eq!(
        credit.end_to_end_id.as_deref(),
        Some("EndToEndIdTFNR2000400001")
    );
    assert_eq!(
        credit.counterparty.as_deref(),
        Some("Richter Renate 70 Zeichen Beginn Fuellzeichen xxxxxxxx")
    );
    assert_eq!(
        credit.counterparty_account.as_deref(),
        Some("DE42100100100043921105")
    );
    assert!(credit.remittance[0].starts_with("TO 13 TFNr 20004 Eingangskanal Mint"));
    let swiss = &statements[2].entries[1];
    assert_eq!(
        swiss.counterparty_account.as_deref(),
        Some("CH8500779014054431109")
    );
    assert_eq!(swiss.remittance, vec!["TO13 TF20018 MINT"]);
}

#[test]
fn betterplace_binary_character_file_reads_utf8_umlauts() {
    let Some(statements) = sample("wolph-mt940_betterplace_with_binary_character.sta") else {
        return;
    };
    assert_eq!(statements.len(), 2);
    assert_eq!(statements[0].statement_id.as_deref(), Some("STAR1ÜTßUMS"));
    assert_eq!(statements[1].statement_id.as_deref(), Some("STAR1ÜTUMS"));
    // `BLZ/account`: the account part.
    assert_eq!(
        (
            statements[0].account.as_str(),
            statements[1].account.as_str()
        ),
        ("0000007055", "0000007304")
    );
    assert!(statements.iter().all(reconciles));
    let paypal = &statements[0].entries[0];
    assert_eq!(
        (paypal.amount, paypal.direction),
        (dec("27.00"), Direction::Credit)
    );
    assert_eq!(paypal.counterparty.as_deref(), Some("PAYPAL"));
    assert_eq!(paypal.counterparty_account.as_deref(), Some("0175526300"));
    assert_eq!(
        paypal.remittance,
        vec![
            "QQW53T2245ZGY46J ABBUCHUNG",
            "VOM PAYPAL-KONTO",
            "100318P3TX1433EV"
        ]
    );
    let last = &statements[1].entries[0];
    assert_eq!(
        (last.value_date, last.booking_date),
        (date(2010, 3, 22), date(2010, 3, 19))
    );
    assert_eq!(
        last.remittance,
        vec![
            "Belegloser Zahlungsauftrag",
            "Überweisung:19.03.2010",
            "Anzahl Posten :7",
            "Anw-Nr.: 69725663086"
        ]
    );
}

#[test]
fn rabobank_reads_the_counterparty_iban_from_the_supplementary_line() {
    let Some(statements) = sample("wolph-mt940_jejik_rabobank-iban.sta") else {
        return;
    };
    // No `-` separators: each `:20:` starts a message.
    assert_eq!(statements.len(), 2);
    assert!(statements
        .iter()
        .all(|s| s.account == "NL71RABO0123456789" && s.sequence.as_deref() == Some("0")));
    assert!(statements.iter().all(reconciles));
    // Zero-padded `000000001000,00`.
    assert_eq!(
        statements[0].opening_balance.as_ref().map(|b| b.amount),
        Some(dec("1000.00"))
    );
    let first = &statements[0].entries[0];
    assert_eq!(
        (first.amount, first.direction),
        (dec("25.00"), Direction::Debit)
    );
    assert_eq!(
        (first.value_date, first.booking_date),
        (date(2013, 1, 1), None)
    );
    assert_eq!(
        first.counterparty_account.as_deref(),
        Some("NL70ABNA0987654321")
    );
    assert_eq!(
        first.end_to_end_id.as_deref(),
        Some("01-01-2013 12:00 0030000987654321")
    );
    // `/NAME/CONTRA ACCOUN` wraps to `T HOLDER/REMI//…`.
    assert_eq!(first.counterparty.as_deref(), Some("CONTRA ACCOUNT HOLDER"));
    assert!(first.remittance.is_empty());
    let second = &statements[0].entries[1];
    assert_eq!(second.counterparty.as_deref(), Some("JOHN DOE"));
    assert_eq!(second.remittance, vec!["Reference 201301234"]);
    // `P001234567` is not an IBAN.
    assert_eq!(second.counterparty_account, None);
    assert_eq!(second.bank_code.as_deref(), Some("N154"));
}

#[test]
fn mbank_reads_semicolon_fields_between_soh_and_etx() {
    let Some(statements) = sample("wolph-mt940_mbank_mt940.sta") else {
        return;
    };
    assert_eq!(statements.len(), 1);
    let statement = &statements[0];
    assert_eq!(
        (statement.account.as_str(), statement.currency.as_deref()),
        ("PL29114010810000267002001002", Some("PLN"))
    );
    assert_eq!(statement.statement_id.as_deref(), Some("ST170119CYC/1"));
    assert!(reconciles(statement));
    assert_eq!(statement.entries.len(), 3);
    let refs: Vec<Option<&str>> = statement
        .entries
        .iter()
        .map(|e| e.bank_reference.as_deref())
        .collect();
    assert_eq!(
        refs,
        vec![
            Some("MB170119012058"),
            Some("MB170119012085"),
            Some("MB170119012121")
        ]
    );
    for entry in &statement.entries {
        // `CN0,01`: credit, funds code N.
        assert_eq!(
            (entry.amount, entry.direction),
            (dec("0.01"), Direction::Credit)
        );
        assert_eq!(entry.counterparty.as_deref(), Some("JAN NOWAK"));
        assert_eq!(
            entry.counterparty_account.as_deref(),
            Some("56114010810000267002001001")
        );
        assert_eq!(entry.remittance, vec!["PRZELEW SRODKOW"]);
    }
}

#[test]
fn no_truncated_or_corrupted_sample_makes_the_parser_panic() {
    if !Path::new(DIR).is_dir() {
        println!("note: {DIR} is absent; skipping the MT940 samples");
        return;
    }
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let noise: &[u8] = b":-/?,CDR\n\r{}0123456789\xC3\xFF ";
    for name in FILES {
        let Ok(bytes) = std::fs::read(Path::new(DIR).join(name)) else {
            continue;
        };
        for end in (0..bytes.len()).step_by(1 + bytes.len() / 300) {
            let _ = parse(&bytes[..end]);
        }
        for _ in 0..200 {
            let mut mutated = bytes.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % mutated.len() as u64) as usize;
                mutated[at] = noise[(next() % noise.len() as u64) as usize];
            }
            let _ = parse(&mutated);
        }
    }
}
