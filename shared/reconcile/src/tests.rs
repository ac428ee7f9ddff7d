use std::collections::BTreeMap;

use o2c_bank::{Format, Statement};
use o2c_domain::matching::generator::{world, Case, Labelled};
use o2c_domain::matching::{match_credit, Ledger, MatchPolicy, Outcome};
use rust_decimal::Decimal;

use super::*;

/// The generator's credits as a bank would book them.
fn statement(credits: &[Labelled], format: Format) -> Statement {
    let entries = credits
        .iter()
        .map(|l| {
            let c = &l.credit;
            Entry {
                booking_date: Some(c.booked_on),
                value_date: Some(c.booked_on),
                amount: c.amount.amount(),
                currency: c.amount.currency().to_string(),
                direction: Direction::Credit,
                reversal: false,
                bank_reference: None,
                end_to_end_id: None,
                counterparty: c.counterparty.clone(),
                counterparty_account: None,
                creditor_references: c.references.clone(),
                remittance: if c.remittance.is_empty() { Vec::new() } else { vec![c.remittance.clone()] },
                bank_code: None,
            }
        })
        .collect();
    Statement {
        format,
        version: String::new(),
        account: "DE89370400440532013000".into(),
        statement_id: Some("GEN-1".into()),
        sequence: Some("1".into()),
        currency: Some("EUR".into()),
        opening_balance: Some(o2c_bank::Balance { amount: Decimal::ZERO, currency: "EUR".into(), date: None }),
        closing_balance: None,
        entries,
    }
}

#[test]
fn a_credit_entry_reads_as_a_bank_credit_debits_do_not_and_only_money_out_marked_reversed_is_a_return() {
    let s = statement(&world(1, 3, 2, 1).credits, Format::Csv);
    let e = &s.entries[0];
    assert!(matches!(credit_of(e), Ok(Movement::Credit(_))));
    let mut debit = e.clone();
    debit.direction = Direction::Debit;
    assert_eq!(credit_of(&debit), Ok(Movement::Debit));
    let mut reversal = debit.clone();
    reversal.reversal = true;
    assert!(matches!(credit_of(&reversal), Ok(Movement::Reversal { .. })), "a reversed credit (money out) returns earlier cash");
    let mut debit_back = e.clone();
    debit_back.reversal = true;
    assert!(matches!(credit_of(&debit_back), Ok(Movement::Credit(_))), "a reversed debit is money in, never a reason to take cash back");
    let mut odd = e.clone();
    odd.currency = "XYZ".into();
    assert_eq!(credit_of(&odd), Err(Refusal::Currency("XYZ".into())));
}

/// The generator's labelled credits written as a statement in every
/// format, parsed back and matched: per format, the share of matchable
/// credits applied automatically (goal ≥ 95 %) and wrong matches (goal 0).
#[test]
fn every_format_round_trips_the_generators_credits_at_95_percent_or_better_and_no_wrong_match() {
    let mut w = world(20261124, 300, 6, 2_000);
    // BAI2 dates entries by group, one group per day: book in date order
    // so every format reads the entries back in the order written.
    w.credits.sort_by_key(|l| l.credit.booked_on);
    let ledger = Ledger::new(w.items.clone(), w.payers.clone());
    let policy = MatchPolicy::default();
    for format in [Format::Camt053, Format::Camt054, Format::Bai2, Format::Mt940, Format::Csv] {
        let bytes = o2c_bank::write::write(&[statement(&w.credits, format)], format);
        let parsed = o2c_bank::parse(&bytes, format).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        let entries: Vec<&Entry> = parsed.iter().flat_map(|s| s.entries.iter()).collect();
        assert_eq!(entries.len(), w.credits.len(), "{format:?}: every credit read back");
        let (mut matchable, mut applied, mut wrong) = (0, 0, 0);
        let mut per_case: BTreeMap<Case, (usize, usize)> = BTreeMap::new();
        for (l, e) in w.credits.iter().zip(entries) {
            let Ok(Movement::Credit(credit)) = credit_of(e) else { panic!("{format:?}: not a credit: {e:?}") };
            let o = match_credit(&credit, &ledger, &policy);
            let mut got: Vec<_> = match &o {
                Outcome::Matched(p) => p.allocations.iter().map(|a| a.invoice).collect(),
                _ => Vec::new(),
            };
            got.sort();
            let mut want = l.pays.clone();
            want.sort();
            if matches!(o, Outcome::Matched(_)) && got != want {
                wrong += 1;
                eprintln!("{format:?} WRONG {:?}: {credit:?} -> {o:?}", l.case);
            }
            if !l.case.is_decoy() {
                matchable += 1;
                let c = per_case.entry(l.case).or_default();
                c.0 += 1;
                if got == want {
                    applied += 1;
                    c.1 += 1;
                }
            }
        }
        let rate = applied as f64 * 100.0 / matchable as f64;
        eprintln!("{format:?}: {} bytes, {applied} of {matchable} matchable applied ({rate:.1} %), {wrong} wrong; per case {per_case:?}", bytes.len());
        assert_eq!(wrong, 0, "{format:?}: no wrong match");
        assert!(rate >= 95.0, "{format:?}: {rate:.1} %");
    }
}
