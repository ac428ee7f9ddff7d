//! Cash matching: which open invoices a bank credit pays, how sure we are,
//! and why, in words a finance person can check.
//!
//! Rules look at the evidence a payer leaves, strongest first:
//! ISO 11649 creditor references (`rf_reference`), invoice numbers in the
//! remittance however typed (`invoice_number`), the payer's name with an
//! amount equal to one of that customer's invoices (`amount_and_payer`) or
//! to a unique set of them (`invoice_subset`). Every proposal carries a
//! confidence (0–100) and an explanation. A credit is applied
//! automatically only when the best proposal reaches
//! [`MatchPolicy::auto_confidence`] and no different proposal comes within
//! [`MatchPolicy::margin`] of it; otherwise the proposals are ranked
//! suggestions for a person. Money never goes to a customer no evidence
//! points at: an amount alone is only ever a suggestion.
//!
//! Short payments are understood: an early-payment discount taken inside
//! its window (the discount is credited, not owed) and a bank fee within
//! tolerance (the residual is recorded as a fee). Pure: no I/O.

pub mod generator;
pub mod payer;
pub mod reference;
mod settle;
mod subset;

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::ids::{CustomerId, InvoiceId};
use crate::invoice_number::InvoiceNumber;
use crate::money::{Currency, Money};

pub use settle::Settlement;

/// A discount the payer may take: `amount_minor` off if paid by `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Discount {
    pub amount_minor: i64,
    pub until: NaiveDate,
}

/// An open invoice as matching sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenItem {
    pub invoice: InvoiceId,
    pub number: InvoiceNumber,
    pub customer: CustomerId,
    pub currency: Currency,
    pub due_minor: i64,
    pub due_date: Option<NaiveDate>,
    pub discount: Option<Discount>,
}

/// A customer's name as payers write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payer {
    pub customer: CustomerId,
    pub name: String,
}

/// Money in, as the bank statement shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankCredit {
    pub amount: Money,
    pub booked_on: NaiveDate,
    pub counterparty: Option<String>,
    /// Structured creditor references.
    pub references: Vec<String>,
    /// All unstructured remittance text.
    pub remittance: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchPolicy {
    /// Apply automatically from this confidence on.
    pub auto_confidence: u8,
    /// ... and only when no different proposal is this close.
    pub margin: u8,
    /// A short payment up to this many minor units ...
    pub fee_max_minor: i64,
    /// ... and up to this many thousandths of what is due is a bank fee.
    pub fee_max_permille: i64,
    /// Invoices of one customer the subset search looks at (oldest due first).
    pub subset_items: usize,
    /// Largest set of invoices one payment is taken to settle.
    pub subset_size: usize,
}

impl Default for MatchPolicy {
    fn default() -> Self {
        Self { auto_confidence: 85, margin: 10, fee_max_minor: 2_500, fee_max_permille: 20, subset_items: 24, subset_size: 5 }
    }
}

/// One invoice of a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocated {
    pub invoice: InvoiceId,
    /// Cash applied.
    pub applied_minor: i64,
    /// Early-payment discount credited.
    pub discount_minor: i64,
    /// Bank fee absorbed (short payment within tolerance).
    pub fee_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub customer: CustomerId,
    pub allocations: Vec<Allocated>,
    /// Received beyond what the invoices had due: the customer's credit.
    pub unapplied_minor: i64,
    pub rule: &'static str,
    pub confidence: u8,
    pub explanation: String,
}

impl Proposal {
    fn same_effect(&self, other: &Proposal) -> bool {
        let mut a: Vec<InvoiceId> = self.allocations.iter().map(|x| x.invoice).collect();
        let mut b: Vec<InvoiceId> = other.allocations.iter().map(|x| x.invoice).collect();
        a.sort();
        b.sort();
        self.customer == other.customer && a == b
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Apply it: unique and sure enough.
    Matched(Proposal),
    /// For a person, best first (at most five).
    Suggested(Vec<Proposal>),
    /// Nothing points anywhere.
    Unmatched(String),
}

/// The open invoices and payers, indexed for matching many credits.
pub struct Ledger {
    items: Vec<OpenItem>,
    payers: Vec<Payer>,
    by_key: HashMap<String, Vec<usize>>,
    by_customer: HashMap<CustomerId, Vec<usize>>,
    by_amount: HashMap<(Currency, i64), Vec<usize>>,
    names: HashMap<CustomerId, Vec<String>>,
    /// Normalized name-word prefixes (4 letters) -> payers, so a name is
    /// compared only with payers sharing a word start, not with all.
    by_word: HashMap<String, Vec<usize>>,
    /// Each payer's name, normalized, as words (computed once).
    payer_words: Vec<Vec<String>>,
    by_invoice: HashMap<InvoiceId, usize>,
}

/// Most payers a name is compared with.
const NAME_CANDIDATES: usize = 256;

fn word_keys(name: &str) -> Vec<String> {
    let mut keys: Vec<String> = payer::normalize_name(name).split(' ').filter(|w| w.len() >= 2).map(|w| w.chars().take(4).collect()).collect();
    keys.sort();
    keys.dedup();
    keys
}

impl Ledger {
    pub fn new(mut items: Vec<OpenItem>, payers: Vec<Payer>) -> Self {
        items.retain(|i| i.due_minor > 0);
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_customer: HashMap<CustomerId, Vec<usize>> = HashMap::new();
        let mut by_amount: HashMap<(Currency, i64), Vec<usize>> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            by_key.entry(reference::number_key(item.number)).or_default().push(i);
            by_customer.entry(item.customer).or_default().push(i);
            by_amount.entry((item.currency, item.due_minor)).or_default().push(i);
        }
        for list in by_customer.values_mut() {
            list.sort_by_key(|&i| (items[i].due_date, items[i].number));
        }
        let mut names: HashMap<CustomerId, Vec<String>> = HashMap::new();
        let mut by_word: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, p) in payers.iter().enumerate() {
            names.entry(p.customer).or_default().push(p.name.clone());
            for k in word_keys(&p.name) {
                by_word.entry(k).or_default().push(i);
            }
        }
        let payer_words = payers.iter().map(|p| payer::normalize_name(&p.name).split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect()).collect();
        let by_invoice = items.iter().enumerate().map(|(i, item)| (item.invoice, i)).collect();
        Self { items, payers, by_key, by_customer, by_amount, names, by_word, payer_words, by_invoice }
    }

    /// The number of an open invoice the ledger holds.
    pub fn number_of(&self, invoice: InvoiceId) -> Option<InvoiceNumber> {
        self.by_invoice.get(&invoice).map(|&i| self.items[i].number)
    }

    /// Open invoices held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn name_of(&self, customer: CustomerId) -> String {
        self.names.get(&customer).and_then(|n| n.first().cloned()).unwrap_or_else(|| customer.to_string())
    }

    /// Customers whose name matches the payer's, best first, with the score.
    fn payers_named(&self, counterparty: &str) -> Vec<(CustomerId, u8)> {
        let mut best: HashMap<CustomerId, u8> = HashMap::new();
        // Payers sharing a distinctive word start; common words (a shared
        // stem, "consulting") alone would compare against thousands.
        let lists: Vec<&Vec<usize>> = word_keys(counterparty).iter().filter_map(|k| self.by_word.get(k)).collect();
        let mut seen: Vec<usize> = lists.iter().filter(|l| l.len() <= NAME_CANDIDATES).flat_map(|l| l.iter().copied()).collect();
        if seen.is_empty() {
            if let Some(smallest) = lists.iter().min_by_key(|l| l.len()) {
                seen = smallest.iter().copied().take(NAME_CANDIDATES).collect();
            }
        }
        seen.sort_unstable();
        seen.dedup();
        let normalized = payer::normalize_name(counterparty);
        let words: Vec<&str> = normalized.split(' ').filter(|w| !w.is_empty()).collect();
        for &i in &seen {
            let p = &self.payers[i];
            let theirs: Vec<&str> = self.payer_words[i].iter().map(String::as_str).collect();
            let s = payer::words_similarity(&words, &theirs);
            if s >= 90 {
                let e = best.entry(p.customer).or_insert(0);
                *e = (*e).max(s);
            }
        }
        let mut v: Vec<(CustomerId, u8)> = best.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }
}

/// Decides what `credit` pays.
pub fn match_credit(credit: &BankCredit, ledger: &Ledger, policy: &MatchPolicy) -> Outcome {
    let mut proposals = Vec::new();
    proposals.extend(by_reference(credit, ledger, policy));
    proposals.extend(by_invoice_number(credit, ledger, policy));
    let named_payers = credit.counterparty.as_deref().map(|c| ledger.payers_named(c)).unwrap_or_default();
    proposals.extend(by_amount_and_payer(credit, ledger, policy, &named_payers));
    proposals.extend(by_amount_alone(credit, ledger, policy, &named_payers));
    decide(proposals, policy)
}

fn decide(mut proposals: Vec<Proposal>, policy: &MatchPolicy) -> Outcome {
    if proposals.is_empty() {
        return Outcome::Unmatched("no reference, invoice number, payer name or amount points at an open invoice".into());
    }
    proposals.sort_by_key(|p| std::cmp::Reverse(p.confidence));
    // One proposal per effect: the surest explanation of it.
    let mut distinct: Vec<Proposal> = Vec::new();
    for p in proposals {
        if !distinct.iter().any(|d| d.same_effect(&p)) {
            distinct.push(p);
        }
    }
    let best = &distinct[0];
    let contested = distinct.iter().skip(1).any(|p| p.confidence + policy.margin > best.confidence);
    if best.confidence >= policy.auto_confidence && !contested {
        return Outcome::Matched(distinct.swap_remove(0));
    }
    distinct.truncate(5);
    Outcome::Suggested(distinct)
}

/// Names in a list of invoices, for explanations.
fn numbers(ledger: &Ledger, idx: &[usize]) -> String {
    idx.iter().map(|&i| ledger.items[i].number.to_string()).collect::<Vec<_>>().join(", ")
}

fn single_customer(ledger: &Ledger, idx: &[usize]) -> Option<CustomerId> {
    let first = ledger.items.get(*idx.first()?)?.customer;
    idx.iter().all(|&i| ledger.items[i].customer == first).then_some(first)
}

/// Builds a proposal from named invoices: sure when the payer's amount
/// settles them, less sure when it does not.
fn named_proposal(credit: &BankCredit, ledger: &Ledger, policy: &MatchPolicy, idx: &[usize], rule: &'static str, sure: u8, evidence: String) -> Option<Proposal> {
    let items: Vec<&OpenItem> = idx.iter().map(|&i| &ledger.items[i]).collect();
    if items.iter().any(|i| i.currency != credit.amount.currency()) {
        return None;
    }
    let Some(customer) = single_customer(ledger, idx) else {
        // Invoices of several customers in one remittance: a person decides.
        let s = settle::settle(&items, credit.amount.to_minor(), credit.booked_on, policy);
        return Some(Proposal { customer: items[0].customer, allocations: s.allocations, unapplied_minor: s.unapplied_minor, rule, confidence: 50, explanation: format!("{evidence}; they belong to different customers, so a person decides") });
    };
    let s = settle::settle(&items, credit.amount.to_minor(), credit.booked_on, policy);
    let confidence = if s.settles_exactly() { sure } else { sure.saturating_sub(9) };
    Some(Proposal { customer, allocations: s.allocations.clone(), unapplied_minor: s.unapplied_minor, rule, confidence, explanation: format!("{evidence}; {}", s.describe(credit.amount.currency())) })
}

fn by_reference(credit: &BankCredit, ledger: &Ledger, policy: &MatchPolicy) -> Option<Proposal> {
    let mut bodies: Vec<String> = credit.references.iter().filter_map(|r| reference::rf_body(r)).collect();
    bodies.extend(credit.references.iter().flat_map(|r| reference::rf_in_text(r)));
    bodies.extend(reference::rf_in_text(&credit.remittance));
    // Our references are `RF` + check + `INV` + the number's 10 digits.
    let mut idx: Vec<usize> = bodies.iter().filter_map(|b| b.strip_prefix("INV")).filter_map(|k| ledger.by_key.get(k)).filter(|v| v.len() == 1).map(|v| v[0]).collect();
    idx.sort_unstable();
    idx.dedup();
    if idx.is_empty() {
        return None;
    }
    let evidence = format!("creditor reference for {} (ISO 11649, check digits valid)", numbers(ledger, &idx));
    named_proposal(credit, ledger, policy, &idx, "rf_reference", 99, evidence)
}

fn by_invoice_number(credit: &BankCredit, ledger: &Ledger, policy: &MatchPolicy) -> Vec<Proposal> {
    let written = reference::numbers_in_text(&credit.remittance);
    if written.is_empty() {
        return Vec::new();
    }
    let amount = credit.amount.to_minor();
    // Exactly or with an entitled discount: a fee short-pay is too loose to
    // choose between invoice numbers a typo apart.
    let settles = |i: usize| settle::settle(&[&ledger.items[i]], amount, credit.booked_on, policy).settles_without_fee();
    // Open invoices one typo from `w` whose amount this payment settles.
    let settling_neighbours = |w: &reference::WrittenNumber| -> Vec<usize> {
        let mut v: Vec<usize> = reference::one_edit_away(&w.key).iter().filter_map(|k| ledger.by_key.get(k)).flatten().copied().filter(|&i| settles(i)).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut extra = Vec::new();
    let mut exact: Vec<usize> = Vec::new();
    let mut corrected: Vec<(usize, String)> = Vec::new();
    let mut unknown = 0;
    for w in &written {
        if let Some(&found) = ledger.by_key.get(&w.key).filter(|v| v.len() == 1).and_then(|v| v.first()) {
            // Numbers are dense: a typo can hit another open invoice. When
            // the one written does not fit the amount and exactly one
            // neighbour does, the neighbour is meant (the written one stays
            // a suggestion: it may be a part payment).
            if written.len() == 1 && w.prefixed && !settles(found) {
                if let [one] = settling_neighbours(w).as_slice() {
                    corrected.push((*one, w.as_written.clone()));
                    if let Some(mut p) = named_proposal(credit, ledger, policy, &[found], "invoice_number", 97, format!("remittance names {}", ledger.items[found].number)) {
                        p.confidence = p.confidence.min(70);
                        p.explanation.push_str(&format!("; but {} one digit away matches the amount exactly", ledger.items[*one].number));
                        extra.push(p);
                    }
                    continue;
                }
            }
            exact.push(found);
            continue;
        }
        // One typo, only where the payer clearly wrote an invoice number,
        // and only when exactly one open invoice is that close (or, of
        // several, exactly one fits the amount).
        let mut near: Vec<usize> = if w.prefixed { reference::one_edit_away(&w.key).iter().filter_map(|k| ledger.by_key.get(k)).flatten().copied().collect() } else { Vec::new() };
        if near.len() > 1 {
            near.retain(|&i| settles(i));
        }
        // The correction stands only with the amount agreeing exactly.
        near.retain(|&i| settles(i));
        match near.as_slice() {
            [one] => corrected.push((*one, w.as_written.clone())),
            _ => unknown += 1,
        }
    }
    let mut idx: Vec<usize> = exact.iter().copied().chain(corrected.iter().map(|(i, _)| *i)).collect();
    idx.sort_unstable();
    idx.dedup();
    if idx.is_empty() {
        return extra;
    }
    let mut evidence = format!("remittance names {}", numbers(ledger, &idx));
    if !corrected.is_empty() {
        let fixes: Vec<String> = corrected.iter().map(|(i, w)| format!("\"{w}\" read as {}", ledger.items[*i].number)).collect();
        evidence.push_str(&format!(" ({})", fixes.join(", ")));
    }
    if unknown > 0 {
        evidence.push_str(&format!("; {unknown} other number(s) match no open invoice"));
    }
    let sure = match (corrected.is_empty(), unknown) {
        (true, 0) => 97,
        (false, 0) => 90,
        _ => 80,
    };
    if let Some(mut p) = named_proposal(credit, ledger, policy, &idx, "invoice_number", sure, evidence) {
        // A typed number is not checksummed: when the amount does not
        // settle it (a part payment, or a typo for another invoice), a
        // person confirms; a corrected typo needs the amount to agree.
        if p.confidence < sure {
            p.confidence = p.confidence.min(if corrected.is_empty() { 80 } else { 70 });
        }
        extra.insert(0, p);
    }
    extra
}

fn by_amount_and_payer(credit: &BankCredit, ledger: &Ledger, policy: &MatchPolicy, named: &[(CustomerId, u8)]) -> Vec<Proposal> {
    let mut out = Vec::new();
    let amount = credit.amount.to_minor();
    // Everyone who shares the best name score is a candidate payer; a
    // lower score is another company.
    let top = named.first().map_or(0, |n| n.1);
    let candidates: Vec<(CustomerId, u8)> = named.iter().copied().filter(|n| n.1 + 3 >= top).take(50).collect();
    let shared_name = candidates.len() > 1;
    // With a shared name, the amount must single out one invoice among
    // all of them (the name and the amount together are the evidence).
    let mut singles_all: Vec<(CustomerId, u8, &OpenItem, Settlement)> = Vec::new();
    for &(customer, score) in &candidates {
        for &i in ledger.by_customer.get(&customer).map(Vec::as_slice).unwrap_or(&[]) {
            let item = &ledger.items[i];
            if item.currency != credit.amount.currency() {
                continue;
            }
            let s = settle::settle(&[item], amount, credit.booked_on, policy);
            if s.settles_without_fee() {
                singles_all.push((customer, score, item, s));
            }
        }
    }
    let unique_single = singles_all.len() == 1;
    for &(customer, score) in &candidates {
        let Some(list) = ledger.by_customer.get(&customer) else { continue };
        let items: Vec<&OpenItem> = list.iter().map(|&i| &ledger.items[i]).filter(|i| i.currency == credit.amount.currency()).collect();
        let name = ledger.name_of(customer);
        let who = format!("payer \"{}\" is {name} ({score}% name match{})", credit.counterparty.as_deref().unwrap_or(""), if shared_name { format!(", as are {} other customers", candidates.len() - 1) } else { String::new() });
        let singles: Vec<&(CustomerId, u8, &OpenItem, Settlement)> = singles_all.iter().filter(|s| s.0 == customer).collect();
        match singles.as_slice() {
            [(_, _, item, s)] if unique_single => out.push(Proposal {
                customer,
                allocations: s.allocations.clone(),
                unapplied_minor: s.unapplied_minor,
                rule: "amount_and_payer",
                confidence: if shared_name { 86 } else { 90 },
                explanation: format!("{who}; {} settles {} and no other invoice of {}", s.describe(credit.amount.currency()), item.number, if shared_name { "any of them" } else { "theirs" }),
            }),
            [] => {}
            many => {
                for (_, _, item, s) in many.iter().take(4) {
                    out.push(Proposal { customer, allocations: s.allocations.clone(), unapplied_minor: s.unapplied_minor, rule: "amount_and_payer", confidence: 60, explanation: format!("{who}; the amount settles {} but also {} other invoice(s)", item.number, singles_all.len() - 1) });
                }
            }
        }
        let cap = |c: u8| if shared_name { c.min(60) } else { c };
        // A shared name caps a set at a suggestion; search only when the
        // name alone singles the customer out.
        if !shared_name && !out.iter().any(|p| p.customer == customer && p.confidence >= 60) {
            match subset::exact_subsets(&items, amount, policy) {
                subset::Found::One(set) => {
                    let nums: Vec<String> = set.iter().map(|i| i.number.to_string()).collect();
                    let s = settle::settle(&set, amount, credit.booked_on, policy);
                    out.push(Proposal { customer, allocations: s.allocations, unapplied_minor: 0, rule: "invoice_subset", confidence: cap(87), explanation: format!("{who}; {} is exactly the sum of {} and no other set of their open invoices", credit.amount, nums.join(" + ")) });
                }
                subset::Found::Several(sets) => {
                    for set in sets.into_iter().take(3) {
                        let nums: Vec<String> = set.iter().map(|i| i.number.to_string()).collect();
                        let s = settle::settle(&set, amount, credit.booked_on, policy);
                        out.push(Proposal { customer, allocations: s.allocations, unapplied_minor: 0, rule: "invoice_subset", confidence: 55, explanation: format!("{who}; {} is the sum of {}, but other sets of their invoices add up to it too", credit.amount, nums.join(" + ")) });
                    }
                }
                subset::Found::None => {}
            }
        }
    }
    out
}

/// An amount equal to some invoice, with nothing else to go on: a hint
/// for a person, never applied.
fn by_amount_alone(credit: &BankCredit, ledger: &Ledger, policy: &MatchPolicy, named: &[(CustomerId, u8)]) -> Vec<Proposal> {
    let Some(list) = ledger.by_amount.get(&(credit.amount.currency(), credit.amount.to_minor())) else { return Vec::new() };
    list.iter()
        .take(5)
        .filter(|&&i| !named.iter().any(|(c, _)| *c == ledger.items[i].customer))
        .map(|&i| {
            let item = &ledger.items[i];
            let s = settle::settle(&[item], credit.amount.to_minor(), credit.booked_on, policy);
            Proposal { customer: item.customer, allocations: s.allocations, unapplied_minor: 0, rule: "amount_only", confidence: 30, explanation: format!("{} equals what {} of {} has due, but nothing else links the payment to them", credit.amount, item.number, ledger.name_of(item.customer)) }
        })
        .collect()
}

#[cfg(test)]
mod tests;
