//! A seeded generator of open invoices and labelled bank credits: every
//! case the matcher must handle (references, invoice numbers however
//! typed, typos, several invoices in one payment, payer name and amount,
//! sets of invoices, discounts, bank fees) and decoys it must not apply.
//! The same seed gives the same ledger and credits, so a failing case
//! replays exactly. Statement writers (camt, BAI2, MT940, CSV) render
//! these credits into files.

use chrono::{Duration, NaiveDate};

use super::{reference, BankCredit, Discount, OpenItem, Payer};
use crate::ids::{CustomerId, InvoiceId};
use crate::invoice_number::InvoiceNumber;
use crate::money::{Currency, Money};

/// SplitMix64: small, fast, and the same everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// What a labelled credit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Case {
    CreditorReference,
    InvoiceNumber,
    InvoiceNumberTypo,
    SeveralInvoices,
    PayerAndAmount,
    InvoiceSubset,
    EarlyPaymentDiscount,
    BankFee,
    /// Not ours to apply: unknown payer and no reference.
    DecoyUnknown,
    /// An amount equal to an invoice, from an unknown payer.
    DecoySameAmount,
    /// A number that is no invoice of ours (two digits off).
    DecoyWrongNumber,
}

impl Case {
    pub fn is_decoy(self) -> bool {
        matches!(self, Case::DecoyUnknown | Case::DecoySameAmount | Case::DecoyWrongNumber)
    }
}

#[derive(Debug, Clone)]
pub struct Labelled {
    pub credit: BankCredit,
    pub case: Case,
    /// The invoices it pays; empty for a decoy.
    pub pays: Vec<InvoiceId>,
}

#[derive(Debug, Clone)]
pub struct World {
    pub items: Vec<OpenItem>,
    pub payers: Vec<Payer>,
    pub credits: Vec<Labelled>,
    pub currency: Currency,
}

const STEMS: &[&str] = &[
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Soylent", "Tyrell", "Cyberdyne", "Hooli", "Vandelay", "Massive Dynamic", "Aperture", "Black Mesa", "Oscorp", "Pied Piper", "Prestige Worldwide", "Sterling Cooper", "Duff", "Gringotts", "Monarch", "Virtucon", "Nakatomi", "Oceanic", "Weyland", "Yoyodyne", "Zorg", "Bluth", "Dunder Mifflin",
];
const PLACES: &[&str] = &["Nord", "Sud", "Berlin", "Paris", "London", "Helsinki", "Zurich", "Vilnius", "Austin", "Oslo", "Milano", "Lyon", "Bremen", "Leeds", "Turku"];
const FORMS: &[&str] = &["GmbH", "AG", "Ltd", "Inc.", "SA", "SARL", "Oy", "B.V.", "LLC", "S.p.A."];

/// A pronounceable word unique to `n` (`Ka`, `Kobe`, `Ravimo`, ...), so
/// large worlds do not run out of distinct company names.
fn made_up_word(n: usize) -> String {
    const C: &[char] = &['k', 'r', 'm', 'n', 'l', 't', 'v', 'd', 's', 'b'];
    const V: &[char] = &['a', 'e', 'i', 'o', 'u'];
    let mut n = n;
    let mut w = String::new();
    loop {
        w.push(C[n % C.len()]);
        n /= C.len();
        w.push(V[n % V.len()]);
        n /= V.len();
        if n == 0 {
            break;
        }
    }
    let mut chars = w.chars();
    chars.next().map(|f| f.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// `customers` customers with about `per_customer` open invoices each and
/// `credits` labelled credits (about one in six a decoy).
pub fn world(seed: u64, customers: usize, per_customer: usize, credits: usize) -> World {
    let mut rng = Rng::new(seed);
    let currency = Currency::parse("EUR").unwrap_or_else(|_| unreachable_currency());
    let base = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or_default();
    let mut items = Vec::new();
    let mut payers = Vec::new();
    let mut seq = 1u64;
    for c in 0..customers {
        let customer = CustomerId::from_ulid(ulid::Ulid::from_parts(seed.wrapping_add(c as u64), u128::from(rng.next_u64())));
        let name = format!("{} {} {} {}", STEMS[c % STEMS.len()], made_up_word(c / STEMS.len()), PLACES[rng.below(PLACES.len() as u64) as usize], FORMS[rng.below(FORMS.len() as u64) as usize]);
        payers.push(Payer { customer, name });
        for _ in 0..per_customer {
            let number = InvoiceNumber::new(2026, seq).unwrap_or_else(|_| unreachable_number());
            seq += 1;
            // Cents vary so sums are rarely ambiguous by accident.
            let due_minor = 5_000 + rng.below(2_000_000) as i64;
            let issue = base + Duration::days(rng.below(40) as i64);
            let discount = (rng.below(4) == 0).then(|| Discount { amount_minor: due_minor * 2 / 100, until: issue + Duration::days(10) });
            items.push(OpenItem { invoice: InvoiceId::from_ulid(ulid::Ulid::from_parts(seq, u128::from(rng.next_u64()))), number, customer, currency, due_minor, due_date: Some(issue + Duration::days(30)), discount });
        }
    }
    let out = labelled_credits(&mut rng, &items, &payers, currency, base, credits);
    World { items, payers, credits: out, currency }
}

/// `credits` labelled credits against a given world (open invoices from a
/// real store, say), booked from `base` + 20 days on.
pub fn credits_for(seed: u64, items: &[OpenItem], payers: &[Payer], base: NaiveDate, credits: usize) -> Vec<Labelled> {
    let currency = items.first().map(|i| i.currency).unwrap_or_else(unreachable_currency);
    labelled_credits(&mut Rng::new(seed), items, payers, currency, base, credits)
}

fn labelled_credits(rng: &mut Rng, items: &[OpenItem], payers: &[Payer], currency: Currency, base: NaiveDate, credits: usize) -> Vec<Labelled> {
    if items.is_empty() {
        return Vec::new();
    }
    let mut by_customer: std::collections::HashMap<CustomerId, Vec<usize>> = std::collections::HashMap::new();
    for (i, it) in items.iter().enumerate() {
        by_customer.entry(it.customer).or_default().push(i);
    }
    let names: std::collections::HashMap<CustomerId, String> = payers.iter().map(|p| (p.customer, p.name.clone())).collect();
    (0..credits).map(|_| one_credit(rng, items, &by_customer, &names, currency, base)).collect()
}

fn unreachable_currency() -> Currency {
    // EUR always parses; keep the generator panic-free regardless.
    Currency::parse("USD").unwrap_or_else(|_| std::process::abort())
}

fn unreachable_number() -> InvoiceNumber {
    InvoiceNumber::new(2026, 1).unwrap_or_else(|_| std::process::abort())
}

fn money(minor: i64, currency: Currency) -> Money {
    Money::from_minor(minor, currency).unwrap_or_else(|_| Money::zero(currency))
}

/// How a payer writes an invoice number.
fn written(rng: &mut Rng, n: InvoiceNumber) -> String {
    let (y, s) = (n.year(), n.sequence());
    match rng.below(6) {
        0 => n.to_string(),
        1 => format!("INV{y}{s:06}"),
        2 => format!("inv {y}/{s}"),
        3 => format!("Invoice INV-{y}-{s:06}"),
        4 => format!("{y}-{s:06}"),
        _ => format!("INV {y} {s:06}"),
    }
}

/// How a payer writes their own name.
fn payer_name(rng: &mut Rng, name: &str) -> String {
    match rng.below(4) {
        0 => name.to_uppercase(),
        1 => name.split_whitespace().take(2).collect::<Vec<_>>().join(" "),
        2 => format!("{} {}", name.replace('.', ""), "ZAHLUNGSVERKEHR").to_uppercase(),
        _ => name.to_owned(),
    }
}

fn noise(rng: &mut Rng) -> &'static str {
    const NOISE: &[&str] = &["", "Thank you", "Zahlung", "Paiement facture", "order 4711", "SEPA credit transfer", "Ref 20261123"];
    NOISE[rng.below(NOISE.len() as u64) as usize]
}

fn one_credit(rng: &mut Rng, items: &[OpenItem], by_customer: &std::collections::HashMap<CustomerId, Vec<usize>>, names: &std::collections::HashMap<CustomerId, String>, currency: Currency, base: NaiveDate) -> Labelled {
    let item = rng.pick(items).clone();
    let name_of = |c: CustomerId| names.get(&c).cloned().unwrap_or_default();
    let booked = base + Duration::days(20 + rng.below(30) as i64);
    let credit = |amount_minor: i64, counterparty: Option<String>, references: Vec<String>, remittance: String| BankCredit { amount: money(amount_minor, currency), booked_on: booked, counterparty, references, remittance };
    let same_customer: Vec<&OpenItem> = by_customer.get(&item.customer).map(|v| v.iter().map(|&i| &items[i]).collect()).unwrap_or_default();
    let roll = rng.below(100);
    let (case, built, pays) = match roll {
        0..=11 => {
            let rf = reference::creditor_reference(item.number);
            let (refs, text) = if rng.below(2) == 0 { (vec![rf], noise(rng).to_owned()) } else { (Vec::new(), format!("{} {}", noise(rng), spaced(&rf))) };
            (Case::CreditorReference, credit(item.due_minor, Some(payer_name(rng, &name_of(item.customer))), refs, text), vec![item.invoice])
        }
        12..=33 => {
            let text = format!("{} {}", written(rng, item.number), noise(rng));
            let who = (rng.below(3) > 0).then(|| payer_name(rng, &name_of(item.customer)));
            (Case::InvoiceNumber, credit(item.due_minor, who, Vec::new(), text), vec![item.invoice])
        }
        34..=41 => {
            let typo = typo_of(rng, item.number);
            (Case::InvoiceNumberTypo, credit(item.due_minor, Some(payer_name(rng, &name_of(item.customer))), Vec::new(), format!("INV-{typo} {}", noise(rng))), vec![item.invoice])
        }
        42..=51 if same_customer.len() >= 2 => {
            let k = 2 + rng.below(2.min(same_customer.len() as u64 - 1)) as usize;
            let chosen: Vec<&OpenItem> = same_customer.iter().take(k).copied().collect();
            let text = chosen.iter().map(|i| written(rng, i.number)).collect::<Vec<_>>().join(", ");
            let sum = chosen.iter().map(|i| i.due_minor).sum();
            (Case::SeveralInvoices, credit(sum, Some(payer_name(rng, &name_of(item.customer))), Vec::new(), text), chosen.iter().map(|i| i.invoice).collect())
        }
        52..=63 => (Case::PayerAndAmount, credit(item.due_minor, Some(payer_name(rng, &name_of(item.customer))), Vec::new(), noise(rng).to_owned()), vec![item.invoice]),
        64..=70 if same_customer.len() >= 3 => {
            let a = same_customer[rng.below(same_customer.len() as u64) as usize];
            let b = same_customer.iter().find(|i| i.invoice != a.invoice).copied().unwrap_or(a);
            (Case::InvoiceSubset, credit(a.due_minor + b.due_minor, Some(payer_name(rng, &name_of(item.customer))), Vec::new(), noise(rng).to_owned()), vec![a.invoice, b.invoice])
        }
        71..=76 if item.discount.is_some() => {
            let d = item.discount.map(|d| d.amount_minor).unwrap_or(0);
            let mut c = credit(item.due_minor - d, Some(payer_name(rng, &name_of(item.customer))), Vec::new(), format!("{} skonto", written(rng, item.number)));
            c.booked_on = item.discount.map(|d| d.until).unwrap_or(booked) - Duration::days(rng.below(5) as i64);
            (Case::EarlyPaymentDiscount, c, vec![item.invoice])
        }
        77..=83 => {
            let fee = 100 + rng.below(1_400) as i64;
            let fee = fee.min(item.due_minor * 2 / 100).max(1);
            (Case::BankFee, credit(item.due_minor - fee, Some(payer_name(rng, &name_of(item.customer))), Vec::new(), written(rng, item.number)), vec![item.invoice])
        }
        84..=89 => (Case::DecoyUnknown, credit(1_000 + rng.below(900_000) as i64, Some(format!("{} Holdings", rng.pick(&["Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware"]))), Vec::new(), noise(rng).to_owned()), Vec::new()),
        90..=94 => (Case::DecoySameAmount, credit(item.due_minor, Some(format!("{} Trading", rng.pick(&["Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware"]))), Vec::new(), noise(rng).to_owned()), Vec::new()),
        _ => {
            let far = InvoiceNumber::new(2025, 900_000 + rng.below(90_000)).unwrap_or(item.number);
            (Case::DecoyWrongNumber, credit(item.due_minor + 1_234, Some("Unknown Payer".to_owned()), Vec::new(), far.to_string()), Vec::new())
        }
    };
    // A case that could not be built (too few invoices) falls back to a plain number.
    if pays.is_empty() && !case.is_decoy() {
        return Labelled { credit: credit(item.due_minor, None, Vec::new(), item.number.to_string()), case: Case::InvoiceNumber, pays: vec![item.invoice] };
    }
    Labelled { credit: built, case, pays }
}

/// A reference printed in groups of four, as on a paper slip.
fn spaced(rf: &str) -> String {
    rf.chars().collect::<Vec<_>>().chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

/// The number with one digit of its sequence changed or two swapped.
fn typo_of(rng: &mut Rng, n: InvoiceNumber) -> String {
    let mut digits: Vec<char> = format!("{:04}-{:06}", n.year(), n.sequence()).chars().collect();
    let positions: Vec<usize> = (5..11).collect();
    let p = *rng.pick(&positions);
    if rng.below(2) == 0 && p + 1 < digits.len() && digits[p] != digits[p + 1] {
        digits.swap(p, p + 1);
    } else {
        let d = digits[p].to_digit(10).unwrap_or(0);
        digits[p] = char::from_digit((d + 1 + rng.below(8) as u32) % 10, 10).unwrap_or('0');
    }
    digits.into_iter().collect()
}
