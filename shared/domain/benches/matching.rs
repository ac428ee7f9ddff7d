//! Cash matching at scale, on one core: 100,000 bank credits against
//! 1,000,000 open invoices (100,000 customers), from the seeded generator.
//! Prints the time to index the ledger, the time to match, the peak
//! memory of the process, and the auto-match rate and wrong matches.
//!
//! Run: `cargo bench -p o2c-domain --bench matching [-- CUSTOMERS PER_CUSTOMER CREDITS]`.

use std::time::Instant;

use o2c_domain::matching::generator::world;
use o2c_domain::matching::{match_credit, Ledger, MatchPolicy, Outcome};

/// Peak resident memory (Linux `VmHWM`), in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let mut args = std::env::args().skip(1).filter_map(|a| a.parse::<usize>().ok());
    let customers = args.next().unwrap_or(100_000);
    let per_customer = args.next().unwrap_or(10);
    let credits = args.next().unwrap_or(100_000);
    let t = Instant::now();
    let w = world(7, customers, per_customer, credits);
    let generated = t.elapsed();
    let t = Instant::now();
    let ledger = Ledger::new(w.items.clone(), w.payers.clone());
    let indexed = t.elapsed();
    let policy = MatchPolicy::default();
    let t = Instant::now();
    let (mut matchable, mut applied, mut wrong) = (0usize, 0usize, 0usize);
    for l in &w.credits {
        let o = match_credit(&l.credit, &ledger, &policy);
        let mut got: Vec<_> = match &o {
            Outcome::Matched(p) => p.allocations.iter().map(|a| a.invoice).collect(),
            _ => Vec::new(),
        };
        got.sort();
        let mut want = l.pays.clone();
        want.sort();
        if matches!(o, Outcome::Matched(_)) && got != want {
            wrong += 1;
            if wrong <= 5 {
                eprintln!("wrong {:?}: {:?}\n  -> {:?}", l.case, l.credit, o);
            }
        }
        if !l.case.is_decoy() {
            matchable += 1;
            applied += usize::from(got == want);
        }
    }
    let matched = t.elapsed();
    println!("open invoices: {}, customers: {customers}, credits: {credits}", w.items.len());
    println!("generate: {:.2} s, index: {:.2} s, match: {:.2} s ({:.1} µs per credit)", generated.as_secs_f64(), indexed.as_secs_f64(), matched.as_secs_f64(), matched.as_secs_f64() * 1e6 / credits as f64);
    println!("peak memory: {:.0} MiB", peak_mib());
    println!("auto-applied {applied} of {matchable} matchable ({:.1} %), {wrong} wrong", applied as f64 * 100.0 / matchable as f64);
}
