//! Writers read back by this crate's parsers: each format round-trips the
//! fields it carries (`expected` says which, per format; the module docs of
//! `write` say why).

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;

use super::write;
use crate::mt940::creditor_reference_tokens;
use crate::statement::{Balance, Direction, Entry, Format, Statement};

const FORMATS: [Format; 5] = [
    Format::Camt053,
    Format::Camt054,
    Format::Bai2,
    Format::Mt940,
    Format::Csv,
];

/// Text elements the BAI2 writer adds for fields BAI2 has no place for.
const BAI2_TAGS: [&str; 5] = ["DBNM: ", "CRNM: ", "DACT: ", "CACT: ", "CREF: "];

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test date")
}

fn dec(s: &str) -> Decimal {
    s.parse().expect("test decimal")
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn entry(amount: &str, direction: Direction, booked: NaiveDate) -> Entry {
    Entry {
        booking_date: Some(booked),
        value_date: Some(booked),
        amount: dec(amount),
        currency: "EUR".into(),
        direction,
        reversal: false,
        bank_reference: None,
        end_to_end_id: None,
        counterparty: None,
        counterparty_account: None,
        creditor_references: Vec::new(),
        remittance: Vec::new(),
        bank_code: None,
    }
}

fn named(mut e: Entry, name: &str, remittance: &[&str]) -> Entry {
    e.counterparty = Some(name.to_owned());
    e.remittance = strings(remittance);
    e
}

fn statement(
    account: &str,
    currency: &str,
    id: &str,
    sequence: &str,
    opening: (&str, NaiveDate),
    entries: Vec<Entry>,
) -> Statement {
    let entries: Vec<Entry> = entries
        .into_iter()
        .map(|e| Entry {
            currency: currency.to_owned(),
            ..e
        })
        .collect();
    let opening_amount = dec(opening.0);
    let closing_amount = opening_amount + super::net(&entries);
    let last = entries
        .iter()
        .filter_map(|e| e.booking_date)
        .max()
        .unwrap_or(opening.1);
    Statement {
        format: Format::Camt053,
        version: String::new(),
        account: account.to_owned(),
        statement_id: Some(id.to_owned()),
        sequence: Some(sequence.to_owned()),
        currency: Some(currency.to_owned()),
        opening_balance: Some(Balance {
            amount: opening_amount,
            currency: currency.to_owned(),
            date: Some(opening.1),
        }),
        closing_balance: Some(Balance {
            amount: closing_amount,
            currency: currency.to_owned(),
            date: Some(last),
        }),
        entries,
    }
}

/// Two statements, 20 entries: credits, debits, reversals both ways,
/// names with `&`, `<`, quotes and umlauts, a long remittance, creditor
/// references (ISO 11649 and a Swiss QR reference), dates across month
/// ends (and a leap day), an entry out of date order, amounts of every
/// scale, references with commas and slashes.
fn sample() -> Vec<Statement> {
    use Direction::{Credit, Debit};
    let (jan30, jan31, feb1) = (day(2024, 1, 30), day(2024, 1, 31), day(2024, 2, 1));
    let eur = vec![
        Entry {
            counterparty_account: Some("DE02120300000000202051".into()),
            end_to_end_id: Some("E2E-INV-42".into()),
            creditor_references: strings(&["RF18539007547034"]),
            bank_reference: Some("BR-0001".into()),
            bank_code: Some("PMNT/RCDT/ESCT".into()),
            ..named(entry("1250.00", Credit, jan30), "Müller & Söhne GmbH", &["Rechnung INV-2024-0042"])
        },
        Entry { bank_code: Some("175".into()), ..named(entry("89.90", Credit, jan30), "<Acme> & Co. \"Ltd\" O'Brien", &["Order <42> & more", "Pay 'now' > later"]) },
        Entry {
            counterparty_account: Some("DE44500105175407324931".into()),
            end_to_end_id: Some("SEPA-DD-7781".into()),
            bank_code: Some("NDDT".into()),
            ..named(entry("99.99", Debit, jan31), "Stadtwerke Köln", &["Strom Jänner"])
        },
        Entry { reversal: true, bank_reference: Some("BR-0002".into()), ..named(entry("1250.00", Debit, jan31), "Müller & Söhne GmbH", &["Rücküberweisung RF18539007547034"]) },
        Entry { reversal: true, ..named(entry("99.99", Credit, jan31), "Stadtwerke Köln", &["Rückbuchung Lastschrift"]) },
        Entry {
            value_date: Some(feb1),
            end_to_end_id: Some("ZH-2024-0001".into()),
            counterparty_account: Some("CH5604835012345678009".into()),
            creditor_references: strings(&["RF712348231"]),
            ..named(
                entry("4321.09", Credit, jan31),
                "Zürich Versicherungs-Gesellschaft AG",
                &[
                    "Sammelzahlung INV-2024-0101 INV-2024-0102",
                    "Invoices INV-2024-0103, INV-2024-0104, INV-2024-0105, INV-2024-0106, INV-2024-0107, INV-2024-0108, INV-2024-0109 and INV-2024-0110 less credit note CN-77",
                    "Skonto 2 % abgezogen gemäß Vereinbarung vom 12.01.2024 mit Frau Weiß",
                    "Rückfragen bitte an die Buchhaltung, Telefon +41 44 123 45 67",
                    "Zahlung erfolgt im Auftrag der Zürich Versicherungs-Gesellschaft AG",
                    "Vielen Dank für die gute Zusammenarbeit & freundliche Grüße",
                ],
            )
        },
        Entry { remittance: strings(&["INV-2024-0200"]), ..entry("300", Credit, feb1) },
        named(entry("15.00", Credit, feb1), "Ærø Café", &[]),
        Entry { remittance: strings(&["Kontoführung Jänner"]), bank_code: Some("NCHG".into()), ..entry("7.5", Debit, feb1) },
        named(entry("560.00", Credit, jan30), "Jean-Luc d'Arcy", &["Facture F-2024/118"]),
        Entry {
            bank_reference: Some("BR,0011".into()),
            end_to_end_id: Some("E2E/2024/11".into()),
            ..named(entry("20.00", Credit, feb1), "Smith, John", &["Rent, Feb 2024"])
        },
    ];
    let (feb28, feb29, mar1) = (day(2024, 2, 28), day(2024, 2, 29), day(2024, 3, 1));
    let chf = vec![
        Entry {
            counterparty_account: Some("CH9300762011623852957".into()),
            creditor_references: strings(&["210000000003139471430009017"]),
            ..named(
                entry("1000.00", Credit, feb28),
                "Müller AG",
                &["Rechnung 2024-17"],
            )
        },
        Entry {
            creditor_references: strings(&["RF471234"]),
            ..named(
                entry("250.25", Credit, feb29),
                "Bäckerei Glück & Partner",
                &[],
            )
        },
        Entry {
            end_to_end_id: Some("SWC-03".into()),
            ..named(
                entry("80.00", Debit, mar1),
                "Swisscom (Schweiz) AG",
                &["Abo März"],
            )
        },
        Entry {
            reversal: true,
            ..named(entry("1.00", Debit, mar1), "Post <CH> AG", &["Storno"])
        },
        named(
            entry("999999.99", Credit, mar1),
            "Großkunde GmbH & Co. KG",
            &["Jahresrechnung 2023"],
        ),
        Entry {
            remittance: strings(&["Zins"]),
            ..entry("0.05", Credit, mar1)
        },
        named(entry("12.34", Debit, feb29), "Kiosk Ä&Ö", &["<tag> ä"]),
        Entry {
            value_date: None,
            ..named(
                entry("77.70", Credit, mar1),
                "Zahler ohne Valuta",
                &["Ohne Valutadatum"],
            )
        },
        Entry {
            value_date: Some(mar1),
            ..named(
                entry("5.00", Credit, feb29),
                "Valuta später",
                &["Valuta über Monatsende"],
            )
        },
    ];
    vec![
        statement(
            "DE89370400440532013000",
            "EUR",
            "STMT-2024-01-31",
            "31",
            ("1000.00", day(2024, 1, 29)),
            eur,
        ),
        statement(
            "CH9300762011623852957",
            "CHF",
            "CH-STMT-5",
            "5",
            ("-200.50", feb28),
            chf,
        ),
    ]
}

fn parsed(bytes: &[u8], format: Format) -> Vec<Statement> {
    match crate::parse(bytes, format) {
        Ok(statements) => statements,
        Err(e) => panic!(
            "{format:?} written file refused: {e}\n{}",
            String::from_utf8_lossy(bytes)
        ),
    }
}

/// The input entries in the order the format gives them back: BAI2 groups
/// each statement's entries by booking date, ascending.
fn in_written_order(statements: &[Statement], format: Format) -> Vec<(Entry, String)> {
    let mut out = Vec::new();
    for s in statements {
        let mut entries: Vec<Entry> = s.entries.clone();
        if format == Format::Bai2 {
            entries.sort_by_key(|e| e.booking_date.or(e.value_date));
        }
        let currency = s.currency.clone().unwrap_or_default();
        out.extend(entries.into_iter().map(|e| (e, currency.clone())));
    }
    out
}

/// What `format` gives back for `input`, remittance and creditor
/// references aside (see `assert_text`).
fn expected(format: Format, input: &Entry, statement_currency: &str) -> Entry {
    let mut e = input.clone();
    e.remittance.clear();
    e.creditor_references.clear();
    match format {
        Format::Camt053 | Format::Camt054 => {}
        Format::Bai2 => {
            // Booked on the group's as-of date; the type code carries
            // direction and reversal.
            e.booking_date = input.booking_date.or(input.value_date);
            let own = input
                .bank_code
                .as_deref()
                .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_digit()));
            let default = match (input.direction, input.reversal) {
                (Direction::Credit, false) => "195",
                (Direction::Debit, false) => "495",
                (Direction::Credit, true) => "252",
                (Direction::Debit, true) => "552",
            };
            e.bank_code = Some(own.unwrap_or(default).to_owned());
            // BAI2 fields hold no commas.
            e.bank_reference = input.bank_reference.as_ref().map(|r| r.replace(',', " "));
        }
        Format::Mt940 => {
            e.value_date = input.value_date.or(input.booking_date);
            e.currency = statement_currency.to_owned();
            let own = input
                .bank_code
                .as_deref()
                .filter(|c| c.len() == 4 && c.starts_with(['N', 'F', 'S']));
            e.bank_code = Some(own.unwrap_or("NTRF").to_owned());
        }
        Format::Csv => {
            e = Entry {
                booking_date: input.booking_date.or(input.value_date),
                value_date: None,
                reversal: false,
                bank_reference: None,
                end_to_end_id: None,
                counterparty_account: None,
                bank_code: None,
                ..e
            };
        }
    }
    e
}

fn without_text(e: &Entry) -> Entry {
    Entry {
        remittance: Vec::new(),
        creditor_references: Vec::new(),
        ..e.clone()
    }
}

fn words(lines: &[String]) -> String {
    lines
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn push_unique(list: &mut Vec<String>, items: Vec<String>) {
    for item in items {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

/// BAI2 text elements: (remittance, the writer's tag elements).
fn bai2_split(elements: &[String]) -> (Vec<String>, Vec<String>) {
    elements
        .iter()
        .cloned()
        .partition(|t| !BAI2_TAGS.iter().any(|tag| t.starts_with(tag)))
}

/// The `:86:` of `e` needs no cutting (with some room for wrapping).
fn fits_mt940(e: &Entry) -> bool {
    let len = |s: &Option<String>| s.as_ref().map_or(0, |s| s.chars().count() + 12);
    let size = len(&e.counterparty)
        + len(&e.end_to_end_id)
        + len(&e.counterparty_account)
        + e.creditor_references
            .iter()
            .map(|r| r.chars().count() + 5)
            .sum::<usize>()
        + e.remittance
            .iter()
            .map(|l| l.chars().count() + 12)
            .sum::<usize>();
    size <= 380
}

/// Remittance and creditor references, per format.
fn assert_text(format: Format, input: &Entry, got: &Entry) {
    let context = format!("{format:?}: {input:?}\nread back as {got:?}");
    match format {
        Format::Camt053 | Format::Camt054 => {
            assert_eq!(got.remittance, input.remittance, "{context}");
            assert_eq!(
                got.creditor_references, input.creditor_references,
                "{context}"
            );
        }
        Format::Bai2 => {
            let (text, tags) = bai2_split(&got.remittance);
            assert_eq!(words(&text), words(&input.remittance), "{context}");
            assert!(
                got.remittance
                    .iter()
                    .all(|t| t.chars().count() <= super::bai2::TEXT_WIDTH
                        || BAI2_TAGS.iter().any(|tag| t.starts_with(tag))),
                "{context}"
            );
            let references: Vec<String> = tags
                .iter()
                .filter_map(|t| t.strip_prefix("CREF: "))
                .map(str::to_owned)
                .collect();
            assert_eq!(references, input.creditor_references, "{context}");
            assert!(got.creditor_references.is_empty(), "{context}");
        }
        Format::Mt940 => {
            if fits_mt940(input) {
                assert_eq!(got.remittance, input.remittance, "{context}");
            } else {
                // Cut: the first line is kept, then whole lines, the last
                // kept one possibly cut short.
                let (want, have) = (&input.remittance, &got.remittance);
                assert!(!have.is_empty() && have.len() <= want.len(), "{context}");
                assert_eq!(have.first(), want.first(), "{context}");
                for (i, line) in have.iter().enumerate() {
                    if i + 1 < have.len() {
                        assert_eq!(line, &want[i], "{context}");
                    } else {
                        assert!(want[i].starts_with(line.as_str()), "{context}");
                    }
                }
            }
            let mut references = input.creditor_references.clone();
            push_unique(
                &mut references,
                got.remittance
                    .iter()
                    .flat_map(|l| creditor_reference_tokens(l))
                    .collect(),
            );
            assert_eq!(got.creditor_references, references, "{context}");
        }
        Format::Csv => {
            let reference = csv_reference(input);
            let want: Vec<String> = if reference.is_empty() {
                Vec::new()
            } else {
                vec![reference.clone()]
            };
            assert_eq!(got.remittance, want, "{context}");
            assert_eq!(
                got.creditor_references,
                creditor_reference_tokens(&reference),
                "{context}"
            );
        }
    }
}

/// The CSV `reference` of `input`: its remittance lines joined with
/// spaces, then each creditor reference the text does not hold as a word.
fn csv_reference(input: &Entry) -> String {
    let mut parts = vec![input.remittance.join(" ")];
    for reference in &input.creditor_references {
        if !input
            .remittance
            .iter()
            .any(|l| l.split_whitespace().any(|w| w == reference))
        {
            parts.push(reference.clone());
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" ")
}

/// The remittance words `format` gives back for `input`.
fn expected_words(format: Format, input: &Entry) -> String {
    if format == Format::Csv {
        words(&[csv_reference(input)])
    } else {
        words(&input.remittance)
    }
}

fn round_trip(format: Format) {
    let input = sample();
    let bytes = write(&input, format);
    let output = parsed(&bytes, format);
    let want = in_written_order(&input, format);
    let got: Vec<&Entry> = output.iter().flat_map(|s| &s.entries).collect();
    assert_eq!(got.len(), want.len(), "{format:?}: entries read back");
    for ((input, currency), got) in want.iter().zip(got) {
        assert_eq!(
            without_text(got),
            expected(format, input, currency),
            "{format:?}"
        );
        assert_text(format, input, got);
    }
    let carries_statements = matches!(format, Format::Camt053 | Format::Camt054 | Format::Mt940);
    if carries_statements {
        assert_eq!(output.len(), input.len());
        for (got, want) in output.iter().zip(&input) {
            assert_eq!(got.account, want.account);
            assert_eq!(got.statement_id, want.statement_id);
            assert_eq!(got.sequence, want.sequence);
            assert_eq!(got.currency, want.currency);
        }
    }
}

#[test]
fn camt053_round_trips_every_entry_field_and_the_statements() {
    round_trip(Format::Camt053);
    let input = sample();
    let output = parsed(&write(&input, Format::Camt053), Format::Camt053);
    assert!(output.iter().all(|s| s.version == "camt.053.001.08"));
    for (got, want) in output.iter().zip(&input) {
        assert_eq!(got.opening_balance, want.opening_balance);
        assert_eq!(got.closing_balance, want.closing_balance);
    }
}

#[test]
fn camt054_round_trips_every_entry_field_but_carries_no_balances() {
    round_trip(Format::Camt054);
    let output = parsed(&write(&sample(), Format::Camt054), Format::Camt054);
    assert!(output
        .iter()
        .all(|s| s.format == Format::Camt054 && s.version == "camt.054.001.08"));
    assert!(output
        .iter()
        .all(|s| s.opening_balance.is_none() && s.closing_balance.is_none()));
}

#[test]
fn bai2_round_trips_entries_with_one_statement_per_booking_day_and_tags_for_names() {
    round_trip(Format::Bai2);
    let input = sample();
    let output = parsed(&write(&input, Format::Bai2), Format::Bai2);
    // Statement 1 books on 3 days, statement 2 on 3.
    assert_eq!(output.len(), 6);
    assert_eq!(output[0].account, input[0].account);
    assert_eq!(
        output[0].opening_balance.as_ref().map(|b| b.amount),
        input[0].opening_balance.as_ref().map(|b| b.amount)
    );
    assert_eq!(
        output[2].closing_balance.as_ref().map(|b| b.amount),
        input[0].closing_balance.as_ref().map(|b| b.amount)
    );
    // The running balance carries from day to day.
    for pair in output[..3].windows(2) {
        assert_eq!(
            pair[0].closing_balance.as_ref().map(|b| b.amount),
            pair[1].opening_balance.as_ref().map(|b| b.amount)
        );
    }
    assert_eq!(
        output[5].closing_balance.as_ref().map(|b| b.amount),
        input[1].closing_balance.as_ref().map(|b| b.amount)
    );
    assert_eq!(output[3].currency.as_deref(), Some("CHF"));
}

#[test]
fn mt940_round_trips_entries_and_closes_with_opening_plus_credits_minus_debits() {
    round_trip(Format::Mt940);
    let input = sample();
    let output = parsed(&write(&input, Format::Mt940), Format::Mt940);
    for (got, want) in output.iter().zip(&input) {
        assert_eq!(got.opening_balance, want.opening_balance);
        let opening = want
            .opening_balance
            .as_ref()
            .map_or(Decimal::ZERO, |b| b.amount);
        assert_eq!(
            got.closing_balance.as_ref().map(|b| b.amount),
            Some(opening + super::net(&want.entries))
        );
    }
}

#[test]
fn csv_round_trips_date_signed_amount_currency_reference_and_counterparty() {
    round_trip(Format::Csv);
    let output = parsed(&write(&sample(), Format::Csv), Format::Csv);
    assert_eq!(output.len(), 1, "one CSV file is one statement");
    assert_eq!(output[0].account, "csv");
}

#[test]
fn camt_escapes_xml_special_characters_and_keeps_umlauts() {
    let text = String::from_utf8(write(&sample(), Format::Camt053)).expect("utf-8");
    assert!(
        text.contains("<Nm>&lt;Acme&gt; &amp; Co. &quot;Ltd&quot; O&apos;Brien</Nm>"),
        "{text}"
    );
    assert!(text.contains("<Ustrd>Order &lt;42&gt; &amp; more</Ustrd>"));
    assert!(text.contains("<Nm>Müller &amp; Söhne GmbH</Nm>"));
    assert!(text.contains("<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>RF18539007547034</Ref></CdtrRefInf></Strd>"));
    assert!(text.contains("<RvslInd>true</RvslInd>"));
    assert!(!text.contains("<Acme>"));
    assert_eq!(
        crate::camt::detect_version(text.as_bytes()),
        Some((Format::Camt053, "camt.053.001.08".into()))
    );
}

#[test]
fn bai2_control_totals_and_record_counts_add_up_in_49_98_and_99() {
    let account = Statement {
        format: Format::Bai2,
        version: "BAI2".into(),
        account: "123456789".into(),
        statement_id: None,
        sequence: None,
        currency: Some("USD".into()),
        opening_balance: Some(Balance {
            amount: dec("100.00"),
            currency: "USD".into(),
            date: Some(day(2024, 3, 1)),
        }),
        closing_balance: Some(Balance {
            amount: dec("130.00"),
            currency: "USD".into(),
            date: Some(day(2024, 3, 1)),
        }),
        entries: vec![
            Entry {
                bank_reference: Some("B1".into()),
                end_to_end_id: Some("C1".into()),
                currency: "USD".into(),
                ..named(
                    entry("50.00", Direction::Credit, day(2024, 3, 1)),
                    "ACME & CO",
                    &["INV 1"],
                )
            },
            Entry {
                value_date: None,
                currency: "USD".into(),
                ..entry("20.00", Direction::Debit, day(2024, 3, 1))
            },
        ],
    };
    let text = String::from_utf8(write(&[account], Format::Bai2)).expect("utf-8");
    assert_eq!(
        text,
        "01,O2C,O2CBANK,240301,0000,1,,,2/\n\
         02,O2CBANK,O2C,1,240301,0000,USD,2/\n\
         03,123456789,USD,010,10000,,,015,13000,,,100,5000,1,,400,2000,1,/\n\
         16,195,5000,V,240301,,B1,C1,INV 1/\n\
         88,DBNM: ACME & CO/\n\
         16,495,2000,Z,,,/\n\
         49,37000,5/\n\
         98,37000,1,7/\n\
         99,37000,1,9/\n"
    );
    assert!(crate::bai2::parse_lenient(text.as_bytes())
        .is_ok_and(|read| read.control_mismatches.is_empty()));
}

#[test]
fn bai2_continues_a_long_remittance_line_in_88_records_of_at_most_80_characters() {
    let text = String::from_utf8(write(&sample(), Format::Bai2)).expect("utf-8");
    assert!(text.lines().filter(|l| l.starts_with("88,")).count() > 10);
    let detail = text
        .lines()
        .skip_while(|l| !l.contains("Sammelzahlung"))
        .take(4)
        .collect::<Vec<_>>();
    assert!(
        detail
            .iter()
            .skip(1)
            .all(|l| l.starts_with("88,") && l.chars().count() <= 3 + 80 + 1),
        "{detail:#?}"
    );
}

#[test]
fn bai2_turns_a_slash_that_would_end_the_record_into_a_dash() {
    let e = named(
        entry("1.00", Direction::Credit, day(2024, 3, 1)),
        "X",
        &["half/ 16,5 EUR", "a/b/ c/"],
    );
    let input = statement("1", "USD", "S", "1", ("0", day(2024, 3, 1)), vec![e]);
    let output = parsed(&write(&[input], Format::Bai2), Format::Bai2);
    assert_eq!(
        output[0].entries[0].remittance[..2],
        strings(&["half- 16,5 EUR", "a/b/ c/"])
    );
}

#[test]
fn mt940_information_lines_are_at_most_65_characters_and_6_lines() {
    let text = String::from_utf8(write(&sample(), Format::Mt940)).expect("utf-8");
    let mut in_info = false;
    let mut lines_in_field = 0;
    for line in text.split("\r\n") {
        if let Some(rest) = line.strip_prefix(":86:") {
            in_info = true;
            lines_in_field = 1;
            assert!(rest.chars().count() <= 65, "{line}");
        } else if line.starts_with(':') || line == "-" {
            in_info = false;
        } else if in_info {
            lines_in_field += 1;
            assert!(line.chars().count() <= 65, "{line}");
        }
        assert!(lines_in_field <= 6, "{text}");
    }
    assert!(text.contains(
        ":86:/EREF/E2E-INV-42/ORDP//NAME/Müller & Söhne GmbH/IBAN/DE0212030000\r\n0000202051/CRF/RF18539007547034/REMI/USTD//Rechnung INV-2024-0042\r\n"
    ));
    assert!(text.contains(":61:2401310131RC1250,00NTRFNONREF//BR-0002\r\n"));
    assert!(text.contains(":61:2401310131RD99,99NTRFNONREF\r\n"));
    assert!(text.contains(":60F:D240228CHF200,50\r\n"));
}

#[test]
fn mt940_cuts_a_long_information_field_keeping_counterparty_and_first_remittance_line() {
    let long = "x".repeat(100);
    let e = Entry {
        end_to_end_id: Some("E2E".into()),
        ..named(
            entry("1.00", Direction::Credit, day(2024, 3, 1)),
            &"Very Long Company Name ".repeat(10),
            &["first line stays", &long, &long, &long, &long],
        )
    };
    let input = statement(
        "DE89370400440532013000",
        "EUR",
        "S",
        "1",
        ("0", day(2024, 3, 1)),
        vec![e.clone()],
    );
    let output = parsed(&write(&[input], Format::Mt940), Format::Mt940);
    let got = &output[0].entries[0];
    let name = e.counterparty.as_deref().unwrap_or_default();
    let kept = got.counterparty.as_deref().unwrap_or_default();
    assert!(kept.len() >= 100 && name.starts_with(kept), "{kept}");
    assert_eq!(
        got.remittance.first().map(String::as_str),
        Some("first line stays")
    );
    assert_eq!(got.end_to_end_id.as_deref(), Some("E2E"));
    assert!(got.remittance.len() < 5);
}

#[test]
fn mt940_never_starts_an_information_line_like_a_tag() {
    // Each line would start with `:61:` at 65 characters: the writer
    // starts it one character earlier.
    let line = format!(
        "{}:61:2401010101C1,00NTRF",
        "a".repeat(65 - "/REMI/USTD//".len())
    );
    let e = named(
        entry("1.00", Direction::Credit, day(2024, 3, 1)),
        "",
        &[&line, "next -}{", "------"],
    );
    let e = Entry {
        counterparty: None,
        ..e
    };
    let input = statement(
        "DE89370400440532013000",
        "EUR",
        "S",
        "1",
        ("0", day(2024, 3, 1)),
        vec![e],
    );
    let bytes = write(&[input], Format::Mt940);
    let output = parsed(&bytes, Format::Mt940);
    assert_eq!(output[0].entries.len(), 1);
    assert_eq!(
        output[0].entries[0].remittance,
        strings(&[&line, "next -}{", "------"])
    );
}

#[test]
fn mt940_without_balances_opens_at_zero_and_closes_at_the_net() {
    let mut s = statement(
        "DE89370400440532013000",
        "EUR",
        "S",
        "1",
        ("0", day(2024, 3, 1)),
        vec![
            entry("10.00", Direction::Credit, day(2024, 3, 1)),
            entry("2.50", Direction::Debit, day(2024, 3, 1)),
        ],
    );
    s.opening_balance = None;
    s.closing_balance = None;
    let output = parsed(&write(&[s], Format::Mt940), Format::Mt940);
    assert_eq!(
        output[0].opening_balance.as_ref().map(|b| b.amount),
        Some(Decimal::ZERO)
    );
    assert_eq!(
        output[0].closing_balance.as_ref().map(|b| b.amount),
        Some(dec("7.50"))
    );
}

#[test]
fn camt053_without_balances_writes_them_derived_as_the_schema_requires_a_balance() {
    let mut s = statement(
        "DE89370400440532013000",
        "EUR",
        "S",
        "1",
        ("0", day(2024, 3, 1)),
        vec![entry("10.00", Direction::Credit, day(2024, 3, 1))],
    );
    s.opening_balance = None;
    s.closing_balance = Some(Balance {
        amount: dec("25.00"),
        currency: "EUR".into(),
        date: Some(day(2024, 3, 1)),
    });
    let output = parsed(&write(&[s], Format::Camt053), Format::Camt053);
    assert_eq!(
        output[0].opening_balance.as_ref().map(|b| b.amount),
        Some(dec("15.00"))
    );
    assert_eq!(
        output[0].closing_balance.as_ref().map(|b| b.amount),
        Some(dec("25.00"))
    );
}

#[test]
fn bai2_writes_an_entry_in_another_currency_under_its_own_account_record() {
    let usd = Entry {
        currency: "USD".into(),
        ..entry("3.00", Direction::Credit, day(2024, 3, 1))
    };
    let mut s = statement(
        "123",
        "EUR",
        "S",
        "1",
        ("0", day(2024, 3, 1)),
        vec![entry("1.00", Direction::Credit, day(2024, 3, 1))],
    );
    s.entries.push(usd);
    let output = parsed(&write(&[s], Format::Bai2), Format::Bai2);
    assert_eq!(output.len(), 2);
    assert_eq!(
        (
            output[1].currency.as_deref(),
            output[1].entries[0].currency.as_str()
        ),
        (Some("USD"), "USD")
    );
    assert_eq!(output[1].entries[0].amount, dec("3.00"));
    assert_eq!(
        output[0].closing_balance.as_ref().map(|b| b.amount),
        Some(dec("1.00"))
    );
}

#[test]
fn csv_quotes_commas_and_quotes_and_signs_debits() {
    let text = String::from_utf8(write(&sample(), Format::Csv)).expect("utf-8");
    let mut rows = text.split("\r\n");
    assert_eq!(
        rows.next(),
        Some("date,amount,currency,reference,counterparty")
    );
    assert!(text.contains("2024-01-30,89.90,EUR,Order <42> & more Pay 'now' > later,\"<Acme> & Co. \"\"Ltd\"\" O'Brien\"\r\n"), "{text}");
    assert!(text.contains("2024-01-31,-99.99,EUR,Strom Jänner,Stadtwerke Köln\r\n"));
    assert!(text.contains("2024-02-01,20.00,EUR,\"Rent, Feb 2024\",\"Smith, John\"\r\n"));
    assert!(text.contains(
        "2024-01-30,1250.00,EUR,Rechnung INV-2024-0042 RF18539007547034,Müller & Söhne GmbH\r\n"
    ));
}

#[test]
fn writing_the_same_statements_twice_gives_the_same_bytes() {
    for format in FORMATS {
        assert_eq!(
            write(&sample(), format),
            write(&sample(), format),
            "{format:?}"
        );
    }
}

// ------------------------------------------------------------ seeded

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    fn words(&mut self, vocabulary: &[&str], min: u64, max: u64) -> String {
        let n = min + self.below(max - min + 1);
        (0..n)
            .map(|_| self.pick(vocabulary))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

const NAME_WORDS: &[&str] = &[
    "Müller",
    "&",
    "Söhne",
    "<Acme>",
    "O'Brien",
    "\"Quote\"",
    "Ltd.",
    "B.V.",
    "Zürich",
    "Straße",
    "Ærø",
    "Café",
    "Smith,",
    "A/S",
    "Gläser",
    "Weiß",
    "Dupont",
    "Nakatomi",
    "Ørsted",
    "Łódź",
    "José",
    "GmbH",
    "Co.",
    "KG",
];
const TEXT_WORDS: &[&str] = &[
    "Rechnung",
    "INV-2024-0042",
    "Nr.",
    "&",
    "<b>",
    "ÄÖÜ",
    "1/2",
    "50%",
    "\"x\"",
    "RF18539007547034",
    "Invoice",
    "payment",
    "danke",
    "F-2024/118",
    "a,b",
    "über",
    "Skonto",
    "2,5",
    "(Teil)",
    "'quoted'",
    ">",
    "Bestellung",
    "Kd.Nr.",
    "9876543210",
];
const CURRENCIES: [(&str, u32); 3] = [("EUR", 2), ("CHF", 2), ("JPY", 0)];

fn random_entry(rng: &mut Rng, currency: (&str, u32), n: usize) -> Entry {
    let booked = day(2023, 1, 1) + Duration::days(rng.below(1000) as i64);
    let direction = if rng.chance(60) {
        Direction::Credit
    } else {
        Direction::Debit
    };
    let minor = 1 + rng.below(10_000_000) as i64;
    let name = rng.words(NAME_WORDS, 1, 4);
    // A name does not end in a comma (BAI2 tag values drop one).
    let name = name.trim_end_matches(',').to_owned();
    let lines = rng.below(4);
    Entry {
        booking_date: Some(booked),
        value_date: Some(booked + Duration::days(rng.below(4) as i64)),
        amount: Decimal::new(minor, currency.1),
        currency: currency.0.to_owned(),
        direction,
        reversal: rng.chance(10),
        bank_reference: rng.chance(50).then(|| format!("BR{n:06}")),
        end_to_end_id: rng
            .chance(50)
            .then(|| format!("E2E-{n}-{}", rng.below(1000))),
        counterparty: (rng.chance(85) && !name.trim().is_empty()).then_some(name),
        counterparty_account: rng
            .chance(40)
            .then(|| format!("DE{:020}", rng.below(u64::MAX))),
        creditor_references: if rng.chance(20) {
            vec![format!(
                "RF{:02}{}",
                rng.below(100),
                rng.below(1_000_000_000)
            )]
        } else {
            Vec::new()
        },
        // At most 3 lines of 4 words: the whole `:86:` fits MT940's 6 × 65.
        remittance: (0..lines).map(|_| rng.words(TEXT_WORDS, 1, 4)).collect(),
        bank_code: None,
    }
}

fn random_statements(seed: u64, statements: usize, per_statement: usize) -> Vec<Statement> {
    let mut rng = Rng(seed);
    (0..statements)
        .map(|i| {
            let currency = CURRENCIES[i % CURRENCIES.len()];
            let entries = (0..per_statement)
                .map(|n| random_entry(&mut rng, currency, i * per_statement + n))
                .collect();
            statement(
                &format!("DE{:020}", 1000 + i),
                currency.0,
                &format!("RND-{i}"),
                &format!("{}", i + 1),
                ("1000", day(2022, 12, 31)),
                entries,
            )
        })
        .collect()
}

#[test]
fn seeded_random_entries_keep_amount_direction_date_counterparty_and_remittance_in_every_format() {
    for seed in [7, 2024] {
        let input = random_statements(seed, 3, 100);
        for format in FORMATS {
            let output = parsed(&write(&input, format), format);
            let want = in_written_order(&input, format);
            let got: Vec<&Entry> = output.iter().flat_map(|s| &s.entries).collect();
            assert_eq!(got.len(), want.len(), "{format:?} seed {seed}");
            for ((input, _), got) in want.iter().zip(got) {
                let context = format!("{format:?} seed {seed}: {input:?}\nread back as {got:?}");
                assert_eq!(got.amount, input.amount, "{context}");
                assert_eq!(got.direction, input.direction, "{context}");
                assert_eq!(got.booking_date, input.booking_date, "{context}");
                assert_eq!(got.counterparty, input.counterparty, "{context}");
                let text = if format == Format::Bai2 {
                    bai2_split(&got.remittance).0
                } else {
                    got.remittance.clone()
                };
                assert_eq!(words(&text), expected_words(format, input), "{context}");
                if matches!(format, Format::Camt053 | Format::Camt054 | Format::Mt940) {
                    assert_eq!(got.remittance, input.remittance, "{context}");
                }
            }
        }
    }
}

#[test]
fn ten_thousand_entries_are_written_and_read_back_in_every_format() {
    let input = random_statements(42, 1, 10_000);
    let total = super::net(&input[0].entries);
    for format in FORMATS {
        let bytes = write(&input, format);
        let output = parsed(&bytes, format);
        let entries: Vec<Entry> = output.into_iter().flat_map(|s| s.entries).collect();
        assert_eq!(entries.len(), 10_000, "{format:?}");
        assert_eq!(super::net(&entries), total, "{format:?}");
    }
}

#[test]
fn an_mt940_remittance_of_a_long_run_of_dashes_is_written_so_the_reader_still_reads_the_file() {
    for filler in ["-", "{"] {
        let text = filler.repeat(150);
        let lines = super::mt940::wrap(&format!("x{text}"));
        assert!(lines.iter().skip(1).all(|l| !l.trim().chars().all(|c| c == '-') && !l.trim_start().starts_with('{')), "{lines:?}");
        let joined: String = lines.concat();
        assert_eq!(joined.replace('.', ""), format!("x{text}"), "only the markers are added");
    }
}
