use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{parse, parse_lenient};
use crate::statement::{Direction, Format, ParseError, Statement};

fn read(text: &str) -> Result<Vec<Statement>, ParseError> {
    parse(text.as_bytes())
}

fn ok(text: &str) -> Vec<Statement> {
    match read(text) {
        Ok(statements) => statements,
        Err(e) => panic!("refused: {e}\n{text}"),
    }
}

fn refused(text: &str) -> ParseError {
    match read(text) {
        Ok(statements) => panic!("read, but should be refused: {statements:#?}"),
        Err(e) => {
            assert_eq!(e.format, Format::Bai2);
            e
        }
    }
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A whole file: 03 sums 100000 + 150000, 16s 60000 + 10000.
const BASIC: &str = "\
01,SENDER,RECEIVER,240102,1200,FILE7,,,2/
02,RECEIVER,SENDER,1,240101,,EUR,2/
03,ACC1,,010,100000,,,015,150000,,/
16,195,60000,V,240103,,BANKREF1,CUSTREF1,INVOICE 42, PAID/
16,475,10000,0,,CHK1,/
88,CHECK 1001/
49,320000,5/
98,320000,1,7/
99,320000,1,9/
";

#[test]
fn a_whole_file_reads_one_statement_per_account() {
    let statements = ok(BASIC);
    assert_eq!(statements.len(), 1);
    let s = &statements[0];
    assert_eq!(s.format, Format::Bai2);
    assert_eq!(s.version, "BAI2");
    assert_eq!(s.account, "ACC1");
    assert_eq!(
        s.statement_id.as_deref(),
        Some("SENDER/240102/FILE7/240101/ACC1")
    );
    assert_eq!(s.currency.as_deref(), Some("EUR"));
    let opening = s.opening_balance.as_ref().unwrap();
    assert_eq!(
        (opening.amount, opening.currency.as_str()),
        (dec("1000.00"), "EUR")
    );
    assert_eq!(opening.date, day(2024, 1, 1));
    assert_eq!(s.closing_balance.as_ref().unwrap().amount, dec("1500.00"));
    assert_eq!(s.entries.len(), 2);

    let wire = &s.entries[0];
    assert_eq!(wire.direction, Direction::Credit);
    assert_eq!(wire.amount, dec("600.00"));
    assert_eq!(wire.currency, "EUR");
    assert_eq!(wire.booking_date, day(2024, 1, 1));
    assert_eq!(wire.value_date, day(2024, 1, 3));
    assert_eq!(wire.bank_reference.as_deref(), Some("BANKREF1"));
    assert_eq!(wire.end_to_end_id.as_deref(), Some("CUSTREF1"));
    assert_eq!(wire.remittance, ["INVOICE 42, PAID"]);
    assert_eq!(wire.bank_code.as_deref(), Some("195"));
    assert!(!wire.reversal);

    let check = &s.entries[1];
    assert_eq!(check.direction, Direction::Debit);
    assert_eq!(check.amount, dec("100.00"));
    assert_eq!(check.bank_reference, None);
    assert_eq!(check.end_to_end_id.as_deref(), Some("CHK1"));
    assert_eq!(check.value_date, None);
    assert_eq!(check.remittance, ["CHECK 1001"]);
}

#[test]
fn records_sharing_one_line_are_split_at_a_slash_and_spaces() {
    let text = "01,S,R,240102,1200,F,,,2/   02,R,S,1,240101,,USD,2/\n\
                03,A,,010,500,,/ 16,142,25,Z,,,ONE/  16,451,5,Z,,,TWO/ 49,530,4/\n\
                98,530,1,6/ 99,530,1,8/\n";
    let s = &ok(text)[0];
    assert_eq!(s.entries.len(), 2);
    assert_eq!(s.entries[0].remittance, ["ONE"]);
    assert_eq!(s.entries[1].remittance, ["TWO"]);
    assert_eq!(s.entries[1].direction, Direction::Debit);
}

#[test]
fn records_may_end_at_the_newline_without_a_slash() {
    let text = "01,S,R,240102,1200,F,,,2\n02,R,S,1,240101,,USD,2\n\
                03,A,USD,,,,,060,1000,,\n16,447,600,,REF,CUST,ACH Payment,SEC: CCD, ID: 7\n\
                88,EREF: 1111\n49,1600,4\n98,1600,1,6\n99,1600,1,8";
    let s = &ok(text)[0];
    let e = &s.entries[0];
    assert_eq!(e.remittance, ["ACH Payment,SEC: CCD, ID: 7", "EREF: 1111"]);
    assert_eq!(e.bank_reference.as_deref(), Some("REF"));
    assert_eq!(e.end_to_end_id.as_deref(), Some("CUST"));
    assert_eq!(
        s.opening_balance, None,
        "060 (current available) is not an opening balance"
    );
}

#[test]
fn a_16_text_wrapping_onto_a_line_without_a_record_code_continues_the_text() {
    let text = "01,S,R,240102,1200,F,,,2/\n02,R,S,1,240101,,USD,2/\n03,A,,,,,/\n\
                16,142,2500,Z,,,111111     ACH_SETL           1111111111\n\
                111111111111111        /\n88,       1111111111/\n49,2500,4/\n98,2500,1,6/\n\
                99,2500,1,8/\n";
    let e = &ok(text)[0].entries[0];
    assert_eq!(
        e.remittance,
        [
            "111111     ACH_SETL           1111111111 111111111111111",
            "1111111111"
        ]
    );
}

#[test]
fn a_line_without_a_record_code_after_a_text_ended_by_a_slash_is_refused() {
    let text = "01,S,R,240102,1200,F,,,2/\n02,R,S,1,240101,,USD,2/\n03,A,,,,,/\n\
                16,142,2500,Z,,,TEXT/\nMORE TEXT/\n49,2500,3/\n98,2500,1,5/\n99,2500,1,7/\n";
    let e = refused(text);
    assert_eq!(e.location, "line 5");
    assert!(e.message.contains("MORE TEXT"), "{e}");
}

#[test]
fn each_88_after_a_16_is_one_more_remittance_element() {
    let text = "01,S,R,240102,1200,F,,,2/\n02,R,S,1,240101,,GBP,2/\n03,A,,,,,/\n\
                16,699,971,,,/\n88,TFR XBANK INTERNATIONAL-5373 CLIE\n88,NT SECCY AC TFR\n\
                49,971,5/\n98,971,1,7/\n99,971,1,9/\n";
    let e = &ok(text)[0].entries[0];
    assert_eq!(
        e.remittance,
        ["TFR XBANK INTERNATIONAL-5373 CLIE", "NT SECCY AC TFR"]
    );
    assert_eq!(e.currency, "GBP");
}

#[test]
fn an_88_after_a_03_continues_its_summary_even_between_a_type_code_and_its_amount() {
    // The classic specification example: `190/` then `88,500000,…`.
    let text = "01,S,R,040621,0200,1,65,,2/\n02,R,S,1,040620,2359,,2/\n\
                03,9876543210,,010,-500000,,,100,1000000,,,400,2000000,,,190/\n\
                88,500000,,,110,1000000,,,072,500000,,,074,500000,,,040/\n88,-1500000,,/\n\
                16,115,500000,S,,200000,300000,,,LOCK BOX NO.68751/\n49,4000000,5/\n\
                98,4000000,1,7/\n99,4000000,1,9/\n";
    let s = &ok(text)[0];
    assert_eq!(
        s.currency.as_deref(),
        Some("USD"),
        "a group without currency is USD"
    );
    assert_eq!(s.opening_balance.as_ref().unwrap().amount, dec("-5000.00"));
    assert_eq!(s.closing_balance, None);
    assert_eq!(s.entries[0].remittance, ["LOCK BOX NO.68751"]);
}

#[test]
fn a_slash_inside_a_text_is_text_unless_a_record_follows_it() {
    let text = "01,S,R,240102,1200,F,,,2/\n02,R,S,1,240101,,GBP,2/\n03,A,,,,,/\n\
                16,191,001,V,240101,,REF,CUST/\n88,PY:RP12 A1234BC 22/03/66\n\
                88,AB/CD/ 49,1,5/\n98,1,1,7/\n99,1,1,9/\n";
    let e = &ok(text)[0].entries[0];
    assert_eq!(e.remittance, ["PY:RP12 A1234BC 22/03/66", "AB/CD"]);
    assert_eq!(e.amount, dec("0.01"));
}

#[test]
fn funds_type_v_gives_the_value_date_and_its_time_is_skipped() {
    let text = "01,S,R,240102,1200,F,,,2/\n02,R,S,1,240101,,USD,2/\n03,A,,,,,/\n\
                16,218,20000000,V,240105,1330,SP4738,YRC065321/\n\
                88,PROCEEDS OF LETTER OF CREDIT/\n49,20000000,4/\n98,20000000,1,6/\n\
                99,20000000,1,8/\n";
    let e = &ok(text)[0].entries[0];
    assert_eq!(e.value_date, day(2024, 1, 5));
    assert_eq!(e.bank_reference.as_deref(), Some("SP4738"));
    assert_eq!(e.end_to_end_id.as_deref(), Some("YRC065321"));
    assert_eq!(e.remittance, ["PROCEEDS OF LETTER OF CREDIT"]);
}

#[test]
fn funds_type_s_has_three_availability_amounts_before_the_references() {
    let text = "01,S,R,240102,1200,F,,,2/\n02,R,S,1,240101,,USD,2/\n03,A,,,,,/\n\
                16,115,450000,S,100000,200000,150000,BREF,CREF,LOCKBOX/\n49,450000,3/\n\
                98,450000,1,5/\n99,450000,1,7/\n";
    let e = &ok(text)[0].entries[0];
    assert_eq!(e.amount, dec("4500.00"));
    assert_eq!(e.bank_reference.as_deref(), Some("BREF"));
    assert_eq!(e.end_to_end_id.as_deref(), Some("CREF"));
    assert_eq!(e.remittance, ["LOCKBOX"]);
}

#[test]
fn funds_type_d_has_a_count_then_that_many_day_and_amount_pairs() {
    // In a 16, and in an 03 summary continued by an 88.
    let text = "01,S,R,240102,1200,F,,,2/\n02,R,S,1,240101,,USD,2/\n\
                03,A,,010,500000,,,190,70000000,4,0,110/\n\
                88,70000000,15,D,3,0,20000000,1,30000000,3,20000000/\n\
                16,195,900,D,2,0,500,1,400,BREF,,WIRE IN/\n49,140500900,4/\n\
                98,140500900,1,6/\n99,140500900,1,8/\n";
    let s = &ok(text)[0];
    assert_eq!(s.opening_balance.as_ref().unwrap().amount, dec("5000.00"));
    let e = &s.entries[0];
    assert_eq!(e.amount, dec("9.00"));
    assert_eq!(e.bank_reference.as_deref(), Some("BREF"));
    assert_eq!(e.end_to_end_id, None);
    assert_eq!(e.remittance, ["WIRE IN"]);
}

#[test]
fn the_16_fields_may_themselves_continue_on_an_88() {
    let text = "01,S,R,240102,1200,F,,,2/\n02,R,S,1,240101,,USD,2/\n03,A,,,,,/\n\
                16,115,450000,S,100000/\n88,200000,150000,BREF,CREF,LOCKBOX, MAIN ST/\n\
                49,450000,4/\n98,450000,1,6/\n99,450000,1,8/\n";
    let e = &ok(text)[0].entries[0];
    assert_eq!(e.bank_reference.as_deref(), Some("BREF"));
    assert_eq!(e.remittance, ["LOCKBOX, MAIN ST"]);
}

#[test]
fn an_account_control_total_that_does_not_add_up_is_refused_naming_the_49() {
    let text = BASIC.replace("49,320000,5/", "49,320001,5/");
    let e = refused(&text);
    assert_eq!(e.location, "line 7");
    assert!(
        e.message.contains("49 account trailer of account ACC1"),
        "{e}"
    );
    assert!(e.message.contains("control total is 320001"), "{e}");
    assert!(e.message.contains("add up to 320000"), "{e}");
}

#[test]
fn an_account_record_count_that_does_not_add_up_is_refused() {
    let text = BASIC.replace("49,320000,5/", "49,320000,4/");
    let e = refused(&text);
    assert_eq!(e.location, "line 7");
    assert!(
        e.message
            .contains("record count is 4, but the account has 5 records"),
        "{e}"
    );
}

#[test]
fn a_group_total_or_account_count_that_does_not_add_up_is_refused_naming_the_98() {
    let e = refused(&BASIC.replace("98,320000,1,7/", "98,320000,2,7/"));
    assert_eq!(e.location, "line 8");
    assert!(
        e.message.contains("counts 2 accounts, but the group has 1"),
        "{e}"
    );
    let e = refused(&BASIC.replace("98,320000,1,7/", "98,-320000,1,7/"));
    assert_eq!(e.location, "line 8");
    assert!(e.message.contains("control total is -320000"), "{e}");
}

#[test]
fn a_file_total_group_count_or_record_count_that_does_not_add_up_is_refused_naming_the_99() {
    let e = refused(&BASIC.replace("99,320000,1,9/", "99,320000,1,8/"));
    assert_eq!(e.location, "line 9");
    assert!(
        e.message
            .contains("record count is 8, but the file has 9 records"),
        "{e}"
    );
    let e = refused(&BASIC.replace("99,320000,1,9/", "99,320000,3,9/"));
    assert!(
        e.message.contains("counts 3 groups, but the file has 1"),
        "{e}"
    );
    let e = refused(&BASIC.replace("99,320000,1,9/", "99,0,1,9/"));
    assert!(e.message.contains("control total is 0"), "{e}");
}

#[test]
fn the_lenient_reader_returns_the_statements_and_every_disagreeing_trailer() {
    let text = BASIC.replace("49,320000,5/", "49,1,5/");
    let read = parse_lenient(text.as_bytes()).unwrap();
    assert_eq!(read.statements.len(), 1);
    // The 98 and 99 agree with the amounts the file holds; only the 49 is wrong.
    let locations: Vec<_> = read
        .control_mismatches
        .iter()
        .map(|e| e.location.as_str())
        .collect();
    assert_eq!(locations, ["line 7"]);
}

#[test]
fn a_file_without_its_99_trailer_is_refused() {
    let text = BASIC.replace("99,320000,1,9/\n", "");
    let e = refused(&text);
    assert_eq!(e.location, "line 8");
    assert!(e.message.contains("no 99 trailer"), "{e}");
    let e = refused(&BASIC.replace("49,320000,5/\n98,320000,1,7/\n99,320000,1,9/\n", ""));
    assert!(e.message.contains("no 49 trailer"), "{e}");
}

#[test]
fn malformed_records_are_refused_naming_their_line() {
    let cases = [
        (
            "16,195,60000,V,",
            "16,195,6O000,V,",
            "line 4",
            "bad amount `6O000`",
        ),
        (
            "16,195,60000,V,",
            "16,19A,60000,V,",
            "line 4",
            "type code `19A`",
        ),
        (
            "16,195,60000,V,",
            "16,195,60000,X,",
            "line 4",
            "unknown funds type `X`",
        ),
        (
            "16,195,60000,V,240103",
            "16,195,60000,V,241303",
            "line 4",
            "no such date",
        ),
        (
            "16,195,60000,V,",
            "16,195,-60000,V,",
            "line 4",
            "negative amount",
        ),
        (
            "16,195,60000,V,",
            "16,015,60000,V,",
            "line 4",
            "not a transaction code",
        ),
        (
            "16,475,10000,0,,CHK1,/",
            "17,475,10000,0,,CHK1,/",
            "line 5",
            "unknown record code `17`",
        ),
        (
            "03,ACC1,,010,100000",
            "03,ACC1,,010,10.00",
            "line 3",
            "bad amount `10.00`",
        ),
        ("03,ACC1,,", "03,ACC1,EURO,", "line 3", "currency `EURO`"),
        ("03,ACC1,,", "03,,,", "line 3", "no account number"),
        (
            "02,RECEIVER,SENDER,1,240101",
            "02,RECEIVER,SENDER,1,",
            "line 2",
            "no as-of date",
        ),
        (",,,2/", ",,,1/", "line 1", "only BAI version 2"),
        (
            "49,320000,5/",
            "49,320000,five/",
            "line 7",
            "bad count `five`",
        ),
        (
            "88,CHECK 1001/",
            "88,CHECK 1001/\n88,X/\n03,B,,/",
            "line 8",
            "inside the account",
        ),
    ];
    for (from, to, line, message) in cases {
        assert!(BASIC.contains(from), "{from}");
        let e = refused(&BASIC.replacen(from, to, 1));
        assert_eq!(e.location, line, "{to}: {e}");
        assert!(e.message.contains(message), "{to}: {e}");
    }
}

#[test]
fn records_out_of_place_are_refused() {
    let e = refused("16,195,1,0,,,X/\n");
    assert!(e.message.contains("before any 01 file header"), "{e}");
    let e = refused(&format!("{BASIC}16,195,1,0,,,X/\n"));
    assert!(e.message.contains("after the 99 file trailer"), "{e}");
    let e = refused("88,X/\n");
    assert!(e.message.contains("no record before it"), "{e}");
    let e = refused("");
    assert!(e.message.contains("no 01 file header"), "{e}");
    let e = refused("HELLO\n");
    assert_eq!(e.location, "line 1");
}

#[test]
fn the_creation_time_may_have_colons_and_the_account_id_a_space() {
    let text = BASIC
        .replace("240102,1200,", "240102,14:59:35,")
        .replace("03,ACC1,", "03,88888888 600004,");
    let s = &ok(&text)[0];
    assert_eq!(s.account, "88888888 600004");
}

#[test]
fn amounts_use_the_currencys_implied_decimals() {
    let jpy = &ok(&BASIC.replace(",EUR,", ",JPY,"))[0];
    assert_eq!(jpy.entries[0].amount, dec("60000"));
    assert_eq!(jpy.opening_balance.as_ref().unwrap().amount, dec("100000"));
    let kwd = &ok(&BASIC.replace(",EUR,", ",KWD,"))[0];
    assert_eq!(kwd.entries[0].amount, dec("60.000"));
    // The 03's own currency wins over the group's.
    let chf = &ok(&BASIC.replace("03,ACC1,,", "03,ACC1,chf,"))[0];
    assert_eq!(chf.currency.as_deref(), Some("CHF"));
    assert_eq!(chf.entries[1].currency, "CHF");
}

#[test]
fn the_opening_balance_is_the_opening_ledger_else_the_opening_available() {
    let s = &ok(&BASIC.replace(
        "03,ACC1,,010,100000,,,015,150000,,/",
        "03,ACC1,,040,100000,,,045,150000,,/",
    ))[0];
    assert_eq!(s.opening_balance.as_ref().unwrap().amount, dec("1000.00"));
    assert_eq!(s.closing_balance.as_ref().unwrap().amount, dec("1500.00"));
    let both = "03,ACC1,,040,1,,,010,100000,,,015,150000,,,045,-1,,/";
    let text = BASIC.replace("03,ACC1,,010,100000,,,015,150000,,/", both);
    let s = &ok(&text)[0];
    assert_eq!(s.opening_balance.as_ref().unwrap().amount, dec("1000.00"));
    assert_eq!(s.closing_balance.as_ref().unwrap().amount, dec("1500.00"));
}

#[test]
fn the_type_code_gives_the_direction_and_whether_it_is_a_return() {
    let cases = [
        ("142", Direction::Credit, false),
        ("399", Direction::Credit, false),
        ("257", Direction::Credit, true),
        ("255", Direction::Credit, true),
        ("266", Direction::Credit, true),
        ("409", Direction::Debit, false),
        ("555", Direction::Debit, true),
        ("557", Direction::Debit, true),
        ("564", Direction::Debit, false),
        ("699", Direction::Debit, false),
        ("721", Direction::Credit, false),
        ("760", Direction::Debit, false),
        ("901", Direction::Credit, false),
        ("975", Direction::Debit, false),
    ];
    for (code, direction, reversal) in cases {
        let e = &ok(&BASIC.replace("16,195,", &format!("16,{code},")))[0].entries[0];
        assert_eq!(
            (e.direction, e.reversal),
            (direction, reversal),
            "type code {code}"
        );
        assert_eq!(e.bank_code.as_deref(), Some(code));
    }
}

#[test]
fn a_non_monetary_890_is_counted_but_is_no_entry() {
    let text = BASIC
        .replace(
            "16,475,10000,0,,CHK1,/",
            "16,890,0,,,,NOTE/\n16,475,10000,0,,CHK1,/",
        )
        .replace("49,320000,5/", "49,320000,6/")
        .replace("98,320000,1,7/", "98,320000,1,8/")
        .replace("99,320000,1,9/", "99,320000,1,10/");
    let s = &ok(&text)[0];
    assert_eq!(s.entries.len(), 2);
    let e = refused(&text.replace("16,890,0,", "16,890,5,"));
    assert!(e.message.contains("890"), "{e}");
}

#[test]
fn the_counterparty_comes_from_tags_and_the_text_stays_remittance() {
    let text = BASIC
        .replace("88,CHECK 1001/", "88,CRNM: ACME SUPPLY/\n88,CACT: 12345/")
        .replace(
            "16,195,60000,V,240103,,BANKREF1,CUSTREF1,INVOICE 42, PAID/",
            "16,195,60000,V,240103,,BANKREF1,CUSTREF1,/ORG=BIG BUYER LTD /OBI=INVOICE 42/",
        )
        .replace("49,320000,5/", "49,320000,6/")
        .replace("98,320000,1,7/", "98,320000,1,8/")
        .replace("99,320000,1,9/", "99,320000,1,10/");
    let s = &ok(&text)[0];
    assert_eq!(s.entries[0].counterparty.as_deref(), Some("BIG BUYER LTD"));
    assert_eq!(
        s.entries[0].remittance,
        ["/ORG=BIG BUYER LTD /OBI=INVOICE 42"]
    );
    assert_eq!(s.entries[1].counterparty.as_deref(), Some("ACME SUPPLY"));
    assert_eq!(s.entries[1].counterparty_account.as_deref(), Some("12345"));
}

#[test]
fn statement_ids_are_stable_and_distinct_when_an_account_repeats_in_a_group() {
    let text = "01,S,R,240102,1200,F,,,2/\n02,R,S,1,240101,,USD,2/\n03,A,,/\n49,0,2/\n\
                03,A,,/\n49,0,2/\n98,0,2,6/\n99,0,1,8/\n";
    let ids: Vec<_> = ok(text)
        .iter()
        .map(|s| s.statement_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["S/240102/F/240101/A", "S/240102/F/240101/A#2"]);
    assert_eq!(ok(text), ok(text));
}

#[test]
fn crlf_and_cr_line_ends_and_latin1_text_are_read() {
    let crlf = BASIC.replace('\n', "\r\n");
    assert_eq!(ok(&crlf), ok(BASIC));
    let cr = BASIC.replace('\n', "\r");
    assert_eq!(ok(&cr), ok(BASIC));
    let mut latin1 = BASIC.replace("CHECK 1001", "CH\u{e8}QUE").into_bytes();
    // è as one Latin-1 byte, not UTF-8.
    if let Some(at) = latin1.windows(2).position(|w| w == [0xc3, 0xa8]) {
        latin1.splice(at..at + 2, [0xe8]);
    }
    let s = parse(&latin1).unwrap();
    assert_eq!(s[0].entries[1].remittance, ["CH\u{e8}QUE"]);
}

#[test]
fn no_input_makes_the_reader_panic() {
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for cut in 0..=BASIC.len() {
        inputs.push(BASIC.as_bytes()[..cut].to_vec());
    }
    for at in 0..BASIC.len() {
        for b in [b',', b'/', b'\n', b'9', b'V', b'D', b'S', b'-', b' ', 0xff] {
            let mut bytes = BASIC.as_bytes().to_vec();
            bytes[at] = b;
            inputs.push(bytes);
        }
    }
    inputs.push(
        b"01,S,R,240102,1200,F,,,2/\n02,R,S,1,240101,,USD,2/\n03,A,,100,1,1,D,99999999999999999/"
            .to_vec(),
    );
    inputs.push(b"01,S,R,240102,1200,F,,,2/\n02,R,S,1,240101,,USD,2/\n03,A,,/\n16,195,1,D,999999999999999999,1/".to_vec());
    inputs.push(b"99999999999999999999999999999999999999999".to_vec());
    inputs.push(
        BASIC
            .replace("320000", "99999999999999999999999999999")
            .into_bytes(),
    );
    // And noise made of the characters BAI2 is made of.
    let alphabet = b"0123456789,,,,//\n 16880349DSVZ+-";
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..2000 {
        let mut bytes = b"01,S,R,240102,1200,F,,,2/\n02,R,S,1,240101,,USD,2/\n03,A,,".to_vec();
        for _ in 0..(seed % 200) {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            bytes.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
        }
        inputs.push(bytes);
    }
    for bytes in &inputs {
        let _ = parse_lenient(bytes);
    }
}

// ---------------------------------------------------------------------
// The third-party sample files (shared/samples/bai2, see SOURCES.md).

fn sample(name: &str) -> Option<Vec<u8>> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/samples/bai2"
    ));
    if !dir.is_dir() {
        println!(
            "note: {} is absent; BAI2 sample checks skipped",
            dir.display()
        );
        return None;
    }
    Some(std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")))
}

fn sample_ok(name: &str) -> Option<Vec<Statement>> {
    let bytes = sample(name)?;
    Some(parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}")))
}

fn entry_counts(statements: &[Statement]) -> Vec<usize> {
    statements.iter().map(|s| s.entries.len()).collect()
}

#[test]
fn every_sample_file_is_read_and_none_is_left_unchecked() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/samples/bai2"
    ));
    let Ok(listing) = std::fs::read_dir(dir) else {
        println!(
            "note: {} is absent; BAI2 sample checks skipped",
            dir.display()
        );
        return;
    };
    let checked = [
        "moj-bai2_citi_example.bai2",
        "moj-bai2_nwb_example.bai2",
        "moj-bai2_svb_us_example.bai2",
        "moov-bai2_sample1.bai2",
        "moov-bai2_sample2.bai2",
        "moov-bai2_sample3.bai2",
        "moov-bai2_sample4-continuations-newline-delimited.bai2",
    ];
    let mut names: Vec<String> = listing
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names, checked,
        "a sample file was added or removed: give it its own test"
    );
    for name in names {
        let bytes = std::fs::read(dir.join(&name)).unwrap();
        let read = parse_lenient(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!read.statements.is_empty(), "{name}");
        // Only sample4 has trailers that disagree (see its own test).
        if !name.starts_with("moov-bai2_sample4") {
            assert_eq!(read.control_mismatches, [], "{name}");
        }
    }
}

#[test]
fn sample_citi_reads_one_gbp_credit_with_seven_88_lines() {
    let Some(statements) = sample_ok("moj-bai2_citi_example.bai2") else {
        return;
    };
    assert_eq!(statements.len(), 1);
    let s = &statements[0];
    assert_eq!(s.account, "77777777");
    assert_eq!(
        s.statement_id.as_deref(),
        Some("CITIDIRECT/150716/00131100/150715/77777777")
    );
    assert_eq!(s.currency.as_deref(), Some("GBP"));
    assert_eq!(s.opening_balance.as_ref().unwrap().amount, dec("100.00"));
    assert_eq!(s.closing_balance.as_ref().unwrap().amount, dec("100.00"));
    assert_eq!(s.entries.len(), 1);
    let e = &s.entries[0];
    assert_eq!(
        (e.direction, e.amount, e.currency.as_str()),
        (Direction::Credit, dec("0.01"), "GBP")
    );
    assert_eq!(e.bank_code.as_deref(), Some("191"));
    assert_eq!(e.booking_date, day(2015, 7, 15));
    assert_eq!(e.value_date, day(2015, 7, 15));
    assert_eq!(e.bank_reference.as_deref(), Some("1234567890"));
    assert_eq!(e.end_to_end_id.as_deref(), Some("RP12312312312312"));
    assert_eq!(e.remittance.len(), 7);
    assert_eq!(e.remittance[0], "FR:FP SIP INCOMING");
    // The slashes of a date inside an 88 without a trailing `/` are text.
    assert_eq!(
        e.remittance[3],
        "PY:RP1231231231231200                 A1234BC 22/03/66"
    );
    assert_eq!(e.remittance[6], "BO:11111111 BO1:DOE JO");
    assert_eq!(e.counterparty.as_deref(), Some("DOE JO"));
}

#[test]
fn sample_natwest_reads_four_debits_and_a_credit_in_gbp() {
    let Some(statements) = sample_ok("moj-bai2_nwb_example.bai2") else {
        return;
    };
    assert_eq!(statements.len(), 1);
    let s = &statements[0];
    // `01` time `14:59:35`; the account id has a space; the group has no
    // currency, the account says GBP.
    assert_eq!(s.account, "88888888 600004");
    assert_eq!(s.currency.as_deref(), Some("GBP"));
    assert_eq!(s.opening_balance.as_ref().unwrap().amount, dec("365.21"));
    assert_eq!(s.closing_balance.as_ref().unwrap().amount, dec("338.45"));
    assert_eq!(s.closing_balance.as_ref().unwrap().date, day(2009, 12, 16));
    let amounts: Vec<_> = s.entries.iter().map(|e| (e.direction, e.amount)).collect();
    assert_eq!(
        amounts,
        [
            (Direction::Debit, dec("9.71")),
            (Direction::Debit, dec("1.00")),
            (Direction::Debit, dec("1.23")),
            (Direction::Debit, dec("15.71")),
            (Direction::Credit, dec("0.89")),
        ]
    );
    assert!(s
        .entries
        .iter()
        .all(|e| e.bank_reference.is_none() && e.end_to_end_id.is_none()));
    // An 88 text that splits a word across two records: kept as two elements.
    assert_eq!(
        s.entries[4].remittance,
        [
            "TFR XBANKGO24007680SJ CAT JPY 2 GBPXBANKGO24007680BGC INTERNATIONAL-5373 CLIE",
            "NT SECCY AC TFR"
        ]
    );
}

#[test]
fn sample_svb_reads_two_days_of_the_same_account() {
    let Some(statements) = sample_ok("moj-bai2_svb_us_example.bai2") else {
        return;
    };
    assert_eq!(statements.len(), 2);
    assert!(statements.iter().all(|s| s.account == "1234567890"));
    assert_ne!(statements[0].statement_id, statements[1].statement_id);
    assert_eq!(
        statements[0].opening_balance.as_ref().unwrap().amount,
        dec("347269.79")
    );
    assert_eq!(
        statements[0].closing_balance.as_ref().unwrap().amount,
        dec("352171.75")
    );
    assert_eq!(
        statements[1].opening_balance.as_ref().unwrap().amount,
        dec("352171.75")
    );
    assert_eq!(
        statements[1].closing_balance.as_ref().unwrap().amount,
        dec("361229.75")
    );
    let entries: Vec<_> = statements.iter().flat_map(|s| &s.entries).collect();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].amount, dec("4901.96"));
    assert_eq!(entries[0].booking_date, day(2022, 2, 1));
    assert_eq!(entries[0].bank_reference.as_deref(), Some("172629"));
    assert_eq!(entries[0].remittance, ["SOME PAYMENT ACH OFFSET"]);
    assert_eq!(entries[1].amount, dec("9058.00"));
    assert_eq!(entries[1].booking_date, day(2022, 2, 2));
    assert_eq!(entries[1].bank_reference.as_deref(), Some("150675"));
    assert!(entries
        .iter()
        .all(|e| e.direction == Direction::Credit && e.bank_code.as_deref() == Some("142")));
}

#[test]
fn sample1_reads_two_cad_accounts_with_seventeen_details() {
    let Some(statements) = sample_ok("moov-bai2_sample1.bai2") else {
        return;
    };
    assert_eq!(entry_counts(&statements), [11, 6]);
    for s in &statements {
        assert_eq!(s.account, "10200123456");
        assert_eq!(s.currency.as_deref(), Some("CAD"));
        // `040,+000000000000`: zero-padded, signed, opening available.
        assert_eq!(s.opening_balance.as_ref().unwrap().amount, dec("0.00"));
        assert_eq!(s.closing_balance.as_ref().unwrap().amount, dec("0.00"));
    }
    // The same account twice in one group: two distinct ids.
    assert_eq!(
        statements[0].statement_id.as_deref(),
        Some("0004/060321/001/060317/10200123456")
    );
    assert_eq!(
        statements[1].statement_id.as_deref(),
        Some("0004/060321/001/060317/10200123456#2")
    );
    let first = &statements[0].entries[0];
    assert_eq!(
        (first.direction, first.amount),
        (Direction::Debit, dec("25.00"))
    );
    assert_eq!(first.value_date, day(2006, 3, 16));
    assert_eq!(first.booking_date, day(2006, 3, 17));
    assert_eq!(first.remittance, ["RETURNED CHEQUE"]);
    let transfer = &statements[0].entries[3];
    assert_eq!(
        (transfer.direction, transfer.amount),
        (Direction::Credit, dec("2035.00"))
    );
    assert_eq!(transfer.remittance, ["TFR 1020 0345678"]);
    let last = &statements[1].entries[5];
    assert_eq!(last.amount, dec("5.00"));
    assert_eq!(last.value_date, day(2006, 3, 17));
    assert_eq!(last.remittance, ["GALERIES RICHELIEU"]);
}

#[test]
fn sample2_reads_the_specification_example_of_four_groups_and_five_accounts() {
    let Some(statements) = sample_ok("moov-bai2_sample2.bai2") else {
        return;
    };
    let accounts: Vec<_> = statements.iter().map(|s| s.account.as_str()).collect();
    assert_eq!(
        accounts,
        [
            "0123456789",
            "9876543210",
            "4589761203",
            "0975312468",
            "7890654321"
        ]
    );
    assert_eq!(entry_counts(&statements), [1, 1, 2, 0, 0]);
    assert!(statements
        .iter()
        .all(|s| s.currency.as_deref() == Some("USD")));
    assert_eq!(
        statements[0].opening_balance.as_ref().unwrap().amount,
        dec("43500.00")
    );
    assert_eq!(statements[0].closing_balance, None);
    assert_eq!(
        statements[1].opening_balance.as_ref().unwrap().amount,
        dec("-5000.00")
    );
    let lockbox = &statements[0].entries[0];
    assert_eq!(
        (lockbox.direction, lockbox.amount),
        (Direction::Credit, dec("4500.00"))
    );
    assert_eq!(lockbox.booking_date, day(2004, 6, 20));
    assert_eq!(statements[1].entries[0].remittance, ["LOCK BOX NO.68751"]);
    let letter = &statements[2].entries[0];
    assert_eq!(letter.amount, dec("200000.00"));
    assert_eq!(letter.bank_code.as_deref(), Some("218"));
    assert_eq!(letter.value_date, day(2004, 6, 22));
    assert_eq!(letter.bank_reference.as_deref(), Some("SP4738"));
    assert_eq!(letter.end_to_end_id.as_deref(), Some("YRC065321"));
    assert_eq!(
        letter.remittance,
        ["PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO"]
    );
    assert_eq!(statements[2].entries[1].amount, dec("100000.00"));
}

#[test]
fn sample3_reads_fifteen_accounts_packed_several_records_to_a_line() {
    let Some(statements) = sample_ok("moov-bai2_sample3.bai2") else {
        return;
    };
    assert_eq!(statements.len(), 15);
    assert_eq!(
        entry_counts(&statements),
        [6, 0, 0, 2, 0, 0, 0, 6, 4, 8, 0, 0, 0, 0, 0]
    );
    let first = &statements[0];
    assert_eq!(first.account, "1111111");
    assert_eq!(
        first.opening_balance.as_ref().unwrap().amount,
        dec("-35.00")
    );
    assert_eq!(
        first.closing_balance.as_ref().unwrap().amount,
        dec("-36.00")
    );
    let paypal = &first.entries[0];
    assert_eq!(
        (paypal.direction, paypal.amount),
        (Direction::Credit, dec("25.00"))
    );
    assert_eq!(paypal.remittance, ["TRANSFER   PAYPAL             PPD"]);
    assert_eq!(
        first.entries[1].remittance,
        ["TRANSFER   MSPBNA BANK        PPD"]
    );
    assert_eq!(statements[3].entries[1].amount, dec("32.03"));
    assert_eq!(
        statements[3].entries[1].remittance,
        ["Visa Billing Sept 22"]
    );
    // The 16 whose text wraps onto the next physical line without a `/`.
    let wrapped = &statements[7].entries[0];
    assert_eq!(statements[7].account, "11111111");
    assert_eq!(
        wrapped.remittance,
        [
            "111111     ACH_SETL           1111111111 111111111111111",
            "1111111111"
        ]
    );
    let wire = &statements[9].entries[0];
    assert_eq!(
        (wire.bank_code.as_deref(), wire.amount),
        (Some("195"), dec("138.55"))
    );
    assert_eq!(
        wire.remittance,
        [
            "Wire Transfer Credit          VISA INTERNATIONAL            900 METRO CENTER BLVD",
            "FOSTER CITY       CA 94404"
        ]
    );
}

#[test]
fn sample4_is_refused_because_its_trailers_do_not_add_up() {
    // moov-io's Goldman-style file was made by inserting records into an
    // older one without updating the trailers: the first 49 says
    // -1260161341762 and 26 records for an account of 18 records worth
    // 7999960, and the 98 counts 4 accounts where there are 5.
    let Some(bytes) = sample("moov-bai2_sample4-continuations-newline-delimited.bai2") else {
        return;
    };
    let e = parse(&bytes).unwrap_err();
    assert_eq!(e.location, "line 22");
    assert!(e.message.contains("account 107049932"), "{e}");
    assert!(e.message.contains("control total is -1260161341762"), "{e}");
    assert!(e.message.contains("add up to 7999960"), "{e}");
    assert!(
        e.message
            .contains("record count is 26, but the account has 18 records"),
        "{e}"
    );
    let read = parse_lenient(&bytes).unwrap();
    let locations: Vec<_> = read
        .control_mismatches
        .iter()
        .map(|e| e.location.as_str())
        .collect();
    assert_eq!(locations, ["line 22", "line 110", "line 115", "line 116"]);
    assert!(read.control_mismatches[2]
        .message
        .contains("counts 4 accounts, but the group has 5"));
}

#[test]
fn sample4_read_leniently_gives_goldman_entries_with_tags_and_returns() {
    let Some(bytes) = sample("moov-bai2_sample4-continuations-newline-delimited.bai2") else {
        return;
    };
    let statements = parse_lenient(&bytes).unwrap().statements;
    let accounts: Vec<_> = statements.iter().map(|s| s.account.as_str()).collect();
    assert_eq!(
        accounts,
        [
            "107049924",
            "107049932",
            "104108339",
            "260000033037",
            "280000010657"
        ]
    );
    assert_eq!(entry_counts(&statements), [0, 3, 14, 0, 0]);
    assert!(statements
        .iter()
        .all(|s| s.currency.as_deref() == Some("USD")));

    let ach = &statements[1].entries[0];
    assert_eq!(
        (ach.direction, ach.amount),
        (Direction::Debit, dec("600.00"))
    );
    assert_eq!(ach.booking_date, day(2023, 9, 6));
    assert_eq!(ach.bank_reference.as_deref(), Some("SPB2322984714570"));
    assert_eq!(ach.end_to_end_id.as_deref(), Some("1111"));
    // The text keeps its commas; each 88 is one more element.
    assert_eq!(
        ach.remittance,
        [
            "ACH Credit Payment,Entry Description: EXP; -, SEC: CCD, Client Ref ID: 1111, GS ID: SPB2322984714570",
            "EREF: 1111",
            "DBNM: TEST INC",
            "CACT: ACHCONTROLOUTUSD01",
        ]
    );
    let reject = &statements[1].entries[1];
    assert_eq!(
        (reject.direction, reject.reversal),
        (Direction::Credit, true)
    );
    assert_eq!(reject.bank_code.as_deref(), Some("261"));
    assert_eq!(reject.counterparty.as_deref(), Some("SAMPLE INC"));

    let day_entries = &statements[2];
    assert_eq!(
        day_entries.opening_balance.as_ref().unwrap().amount,
        dec("1595811.94")
    );
    assert_eq!(
        day_entries.closing_balance.as_ref().unwrap().amount,
        dec("1593811.94")
    );
    let e = &day_entries.entries;
    // 557 ACH Credit Receipt Return: a debit, a return, to its payee `CRNM: Test`.
    assert_eq!(
        (e[0].direction, e[0].reversal, e[0].amount),
        (Direction::Debit, true, dec("2000.00"))
    );
    assert_eq!(e[0].counterparty.as_deref(), Some("Test"));
    assert_eq!(e[0].remittance.len(), 7);
    // 255 Check Return, with an empty customer reference.
    let check = &e[6];
    assert_eq!(
        (check.bank_code.as_deref(), check.reversal),
        (Some("255"), true)
    );
    assert_eq!(check.amount, dec("9.31"));
    assert_eq!(check.end_to_end_id, None);
    assert_eq!(check.counterparty.as_deref(), Some("Test2 Customer"));
    // 195 RTP Incoming: the payer from `DBNM`, its account from `DACT`.
    let rtp = &e[7];
    assert_eq!(
        (rtp.direction, rtp.amount),
        (Direction::Credit, dec("500.50"))
    );
    assert_eq!(rtp.bank_reference.as_deref(), Some("GI2228400005800"));
    assert_eq!(rtp.end_to_end_id.as_deref(), Some("RTR60880840833"));
    assert_eq!(rtp.counterparty.as_deref(), Some("SAMPLE INC"));
    assert_eq!(
        rtp.counterparty_account.as_deref(),
        Some("02122056789012205")
    );
    assert!(rtp.remittance.contains(&"REMI: Test Remittance".to_owned()));
    // 495 Outgoing Wire: the payee from `CRNM`, its account from `CACT`.
    let wire = &e[13];
    assert_eq!(
        (wire.direction, wire.amount),
        (Direction::Debit, dec("300000.00"))
    );
    assert_eq!(wire.counterparty.as_deref(), Some("TEST AND COMPANY"));
    assert_eq!(wire.counterparty_account.as_deref(), Some("609873838"));
    let reversals: Vec<_> = e
        .iter()
        .filter(|e| e.reversal)
        .map(|e| e.bank_code.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(reversals, ["557", "266", "257", "255"]);
}
