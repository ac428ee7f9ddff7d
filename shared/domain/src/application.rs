//! The payment application engine: decides which invoices a payment pays.
//!
//! An [`Engine`] is an ordered list of named [`ApplicationRule`]s. The first
//! rule that applies decides; each allocation records the rule's name and a
//! sentence saying which evidence it used. Whatever no rule places stays
//! unapplied cash (the customer's `credit_balance`). Allocations never
//! exceed what is due, so `amount_due` never goes negative.
//!
//! Bank-statement reconciliation extends this engine with its own rules
//! (references in remittance text, amount and payer name, …) placed before
//! the fallback; `oldest_due_first` only ever runs for a manual payment
//! whose customer is known.

use chrono::NaiveDate;

use crate::ids::{CustomerId, InvoiceId};
use crate::invoice::Invoice;
use crate::invoice_number::InvoiceNumber;
use crate::invoice_status::InvoiceStatus;
use crate::money::{Money, MoneyError};
use crate::payment::{Allocation, MAX_ALLOCATIONS};

/// How the money reached us; rules may only apply to some channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Recorded by a person through `POST /v1/payments`.
    Manual,
    /// A payment processor's webhook (Stripe).
    Processor,
    /// An entry of an imported bank statement.
    BankStatement,
}

/// An invoice as the engine sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: InvoiceId,
    pub number: Option<InvoiceNumber>,
    pub customer: CustomerId,
    pub status: InvoiceStatus,
    pub amount_due: Money,
    pub due_date: Option<NaiveDate>,
}

impl From<&Invoice> for Candidate {
    fn from(i: &Invoice) -> Self {
        Self { id: i.id, number: i.number, customer: i.customer, status: i.status, amount_due: i.amount_due(), due_date: i.due_date }
    }
}

impl Candidate {
    /// Money can be applied to open, paid (nothing due: all of it becomes
    /// credit) and uncollectible invoices; never to drafts or void ones.
    pub fn takes_money(&self) -> bool {
        matches!(self.status, InvoiceStatus::Open | InvoiceStatus::Paid | InvoiceStatus::Uncollectible)
    }

    fn label(&self) -> String {
        self.number.map(|n| n.to_string()).unwrap_or_else(|| self.id.to_string())
    }
}

/// What the payer asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// The caller listed allocations (manual payments).
    Explicit(Vec<(InvoiceId, Money)>),
    /// The payer named one invoice (processor metadata, a reference).
    NamedInvoice(InvoiceId),
    /// Nothing names an invoice.
    None,
}

/// Everything the rules may look at. `candidates` holds every invoice the
/// evidence names, or for `oldest_due_first` the customer's open invoices.
#[derive(Debug, Clone)]
pub struct ApplicationInput {
    pub amount: Money,
    pub channel: Channel,
    pub customer: Option<CustomerId>,
    pub evidence: Evidence,
    pub candidates: Vec<Candidate>,
}

impl ApplicationInput {
    fn candidate(&self, id: InvoiceId) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.id == id)
    }
}

/// One allocation a rule wants to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub invoice: InvoiceId,
    pub amount: Money,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplicationError {
    #[error("amounts: {0}")]
    Money(#[from] MoneyError),
    /// The caller's own allocations cannot be honoured (422 at the API).
    #[error("{field}: {message}")]
    Refused { field: String, message: String },
}

impl ApplicationError {
    fn refused(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Refused { field: field.into(), message: message.into() }
    }
}

pub trait ApplicationRule: Send + Sync {
    /// A stable name, stored with every allocation the rule makes.
    fn name(&self) -> &'static str;
    /// Proposals for the payment, or `None` when the rule does not apply.
    fn propose(&self, input: &ApplicationInput) -> Result<Option<Vec<Proposal>>, ApplicationError>;
}

/// What the engine decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allocations: Vec<Allocation>,
    pub unapplied: Money,
    /// The rule that decided, if any did.
    pub rule: Option<&'static str>,
    /// Why the unapplied part is unapplied, for a person.
    pub note: String,
}

pub struct Engine {
    rules: Vec<Box<dyn ApplicationRule>>,
}

impl Engine {
    /// The rules for payments: the caller's allocations, then an invoice the
    /// payer named, then (manual payments only) oldest due first.
    pub fn standard() -> Self {
        Self::with_rules(vec![Box::new(ExplicitAllocations), Box::new(NamedInvoice), Box::new(OldestDueFirst)])
    }

    pub fn with_rules(rules: Vec<Box<dyn ApplicationRule>>) -> Self {
        Self { rules }
    }

    pub fn rule_names(&self) -> Vec<&'static str> {
        self.rules.iter().map(|r| r.name()).collect()
    }

    /// Runs the rules in order; the first that applies decides. Whatever
    /// the proposals say, no allocation exceeds the invoice's amount due or
    /// the money left, and the result always sums to the payment.
    pub fn apply(&self, input: &ApplicationInput) -> Result<Decision, ApplicationError> {
        let currency = input.amount.currency();
        for rule in &self.rules {
            let Some(proposals) = rule.propose(input)? else { continue };
            let mut left = input.amount;
            let mut allocations: Vec<Allocation> = Vec::new();
            let mut capped = Vec::new();
            for p in proposals {
                let Some(candidate) = input.candidate(p.invoice) else { continue };
                if !candidate.takes_money() || candidate.amount_due.currency() != currency || allocations.len() >= MAX_ALLOCATIONS {
                    continue;
                }
                let already = allocations.iter().filter(|a| a.invoice == p.invoice).fold(Money::zero(currency), |s, a| s.checked_add(a.amount).unwrap_or(s));
                let room = candidate.amount_due.checked_sub(already)?;
                let amount = p.amount.min(room)?.min(left)?;
                if amount.amount() < p.amount.amount() {
                    capped.push(candidate.label());
                }
                if !amount.is_positive() {
                    continue;
                }
                left = left.checked_sub(amount)?;
                allocations.push(Allocation { invoice: p.invoice, invoice_number: candidate.number, amount, rule: rule.name().to_owned(), explanation: p.explanation, discount: None, fee: None });
            }
            let note = if left.is_zero() {
                String::new()
            } else if capped.is_empty() {
                format!("{left} {currency} exceeds what {} placed", rule.name())
            } else {
                format!("{left} {currency} exceeds what is due on {}", capped.join(", "))
            };
            return Ok(Decision { allocations, unapplied: left, rule: Some(rule.name()), note });
        }
        let note = match input.customer {
            Some(_) => "no invoice was named; held as the customer's credit".to_owned(),
            None => "no invoice or customer could be identified".to_owned(),
        };
        Ok(Decision { allocations: Vec::new(), unapplied: input.amount, rule: None, note })
    }
}

/// The caller said exactly where the money goes.
pub struct ExplicitAllocations;

impl ApplicationRule for ExplicitAllocations {
    fn name(&self) -> &'static str {
        "explicit_allocations"
    }

    fn propose(&self, input: &ApplicationInput) -> Result<Option<Vec<Proposal>>, ApplicationError> {
        let Evidence::Explicit(requested) = &input.evidence else { return Ok(None) };
        let currency = input.amount.currency();
        let mut total = Money::zero(currency);
        let mut proposals = Vec::with_capacity(requested.len());
        if requested.len() > MAX_ALLOCATIONS {
            return Err(ApplicationError::refused("allocations", format!("at most {MAX_ALLOCATIONS} allocations per payment")));
        }
        for (i, (invoice, amount)) in requested.iter().enumerate() {
            let field = format!("allocations[{i}]");
            let candidate = input.candidate(*invoice).ok_or_else(|| ApplicationError::refused(format!("{field}.invoice"), "no such invoice"))?;
            if Some(candidate.customer) != input.customer {
                return Err(ApplicationError::refused(format!("{field}.invoice"), "belongs to another customer"));
            }
            if !candidate.takes_money() {
                return Err(ApplicationError::refused(format!("{field}.invoice"), format!("is {} and cannot take payments", candidate.status.as_str())));
            }
            if amount.currency() != currency || candidate.amount_due.currency() != currency {
                return Err(ApplicationError::refused(format!("{field}.amount"), "must be in the payment's currency"));
            }
            if !amount.is_positive() {
                return Err(ApplicationError::refused(format!("{field}.amount"), "must be positive"));
            }
            total = total.checked_add(*amount)?;
            proposals.push(Proposal { invoice: *invoice, amount: *amount, explanation: format!("allocated by the caller to {}", candidate.label()) });
        }
        if total.amount() > input.amount.amount() {
            return Err(ApplicationError::refused("allocations", format!("allocations total {total} {currency}, more than the payment's {}", input.amount)));
        }
        Ok(Some(proposals))
    }
}

/// The payer named one invoice (processor metadata).
pub struct NamedInvoice;

impl ApplicationRule for NamedInvoice {
    fn name(&self) -> &'static str {
        "named_invoice"
    }

    fn propose(&self, input: &ApplicationInput) -> Result<Option<Vec<Proposal>>, ApplicationError> {
        let Evidence::NamedInvoice(id) = &input.evidence else { return Ok(None) };
        let Some(candidate) = input.candidate(*id) else { return Ok(None) };
        if !candidate.takes_money() || candidate.amount_due.currency() != input.amount.currency() {
            return Ok(None);
        }
        Ok(Some(vec![Proposal { invoice: *id, amount: input.amount, explanation: format!("the payer named {}", candidate.label()) }]))
    }
}

/// A known customer paid without saying what for: settle their oldest due
/// invoices first. Manual payments only: a bank line or processor event
/// needs evidence, never a guess.
pub struct OldestDueFirst;

impl ApplicationRule for OldestDueFirst {
    fn name(&self) -> &'static str {
        "oldest_due_first"
    }

    fn propose(&self, input: &ApplicationInput) -> Result<Option<Vec<Proposal>>, ApplicationError> {
        if input.channel != Channel::Manual || input.evidence != Evidence::None {
            return Ok(None);
        }
        let Some(customer) = input.customer else { return Ok(None) };
        let mut open: Vec<&Candidate> = input.candidates.iter().filter(|c| c.customer == customer && c.status == InvoiceStatus::Open && c.amount_due.is_positive()).collect();
        if open.is_empty() {
            return Ok(None);
        }
        open.sort_by_key(|c| (c.due_date, c.number.map(|n| (n.year(), n.sequence())), c.id));
        Ok(Some(
            open.into_iter()
                .map(|c| Proposal { invoice: c.id, amount: c.amount_due, explanation: format!("oldest due first: {} due {}", c.label(), c.due_date.map(|d| d.to_string()).unwrap_or_default()) })
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;
    use ulid::Ulid;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::parse("USD").unwrap()).unwrap()
    }

    fn candidate(customer: CustomerId, due_minor: i64, day: u32) -> Candidate {
        Candidate {
            id: InvoiceId::from_ulid(Ulid::new()),
            number: None,
            customer,
            status: InvoiceStatus::Open,
            amount_due: usd(due_minor),
            due_date: NaiveDate::from_ymd_opt(2026, 1, day),
        }
    }

    fn input(amount: i64, channel: Channel, customer: Option<CustomerId>, evidence: Evidence, candidates: Vec<Candidate>) -> ApplicationInput {
        ApplicationInput { amount: usd(amount), channel, customer, evidence, candidates }
    }

    fn total(d: &Decision) -> i64 {
        d.allocations.iter().map(|a| a.amount.to_minor()).sum::<i64>() + d.unapplied.to_minor()
    }

    #[test]
    fn a_named_invoice_takes_what_is_due_and_the_rest_is_credit() {
        let c = CustomerId::from_ulid(Ulid::new());
        let inv = candidate(c, 5_000, 1);
        let d = Engine::standard().apply(&input(8_000, Channel::Processor, Some(c), Evidence::NamedInvoice(inv.id), vec![inv.clone()])).unwrap();
        assert_eq!(d.rule, Some("named_invoice"));
        assert_eq!(d.allocations.len(), 1);
        assert_eq!(d.allocations[0].amount, usd(5_000));
        assert_eq!(d.allocations[0].rule, "named_invoice");
        assert_eq!(d.unapplied, usd(3_000));
        assert!(d.note.contains("exceeds what is due"));
    }

    #[test]
    fn oldest_due_first_settles_the_oldest_invoice_before_newer_ones() {
        let c = CustomerId::from_ulid(Ulid::new());
        let newer = candidate(c, 4_000, 20);
        let older = candidate(c, 3_000, 5);
        let d = Engine::standard().apply(&input(5_000, Channel::Manual, Some(c), Evidence::None, vec![newer.clone(), older.clone()])).unwrap();
        assert_eq!(d.rule, Some("oldest_due_first"));
        assert_eq!(d.allocations.iter().map(|a| (a.invoice, a.amount)).collect::<Vec<_>>(), vec![(older.id, usd(3_000)), (newer.id, usd(2_000))]);
        assert!(d.unapplied.is_zero());
    }

    #[test]
    fn oldest_due_first_never_applies_to_processor_or_bank_money() {
        let c = CustomerId::from_ulid(Ulid::new());
        for channel in [Channel::Processor, Channel::BankStatement] {
            let d = Engine::standard().apply(&input(5_000, channel, Some(c), Evidence::None, vec![candidate(c, 3_000, 5)])).unwrap();
            assert!(d.allocations.is_empty());
            assert_eq!(d.unapplied, usd(5_000));
            assert_eq!(d.rule, None);
        }
    }

    #[test]
    fn explicit_allocations_for_another_customers_invoice_are_refused() {
        let c = CustomerId::from_ulid(Ulid::new());
        let other = candidate(CustomerId::from_ulid(Ulid::new()), 3_000, 5);
        let err = Engine::standard().apply(&input(3_000, Channel::Manual, Some(c), Evidence::Explicit(vec![(other.id, usd(3_000))]), vec![other])).unwrap_err();
        assert!(matches!(err, ApplicationError::Refused { ref field, .. } if field == "allocations[0].invoice"));
    }

    #[test]
    fn explicit_allocations_above_the_payment_are_refused() {
        let c = CustomerId::from_ulid(Ulid::new());
        let inv = candidate(c, 9_000, 5);
        let err = Engine::standard().apply(&input(3_000, Channel::Manual, Some(c), Evidence::Explicit(vec![(inv.id, usd(4_000))]), vec![inv])).unwrap_err();
        assert!(matches!(err, ApplicationError::Refused { ref field, .. } if field == "allocations"));
    }

    #[test]
    fn a_void_named_invoice_leaves_the_money_unapplied() {
        let c = CustomerId::from_ulid(Ulid::new());
        let mut inv = candidate(c, 3_000, 5);
        inv.status = InvoiceStatus::Void;
        let d = Engine::standard().apply(&input(3_000, Channel::Processor, Some(c), Evidence::NamedInvoice(inv.id), vec![inv])).unwrap();
        assert!(d.allocations.is_empty());
        assert_eq!(d.unapplied, usd(3_000));
    }

    fn arb_case() -> impl Strategy<Value = (i64, Vec<(i64, u32)>, bool, Vec<i64>)> {
        (1i64..1_000_000, proptest::collection::vec((0i64..400_000, 1u32..28), 0..8), any::<bool>(), proptest::collection::vec(1i64..300_000, 0..8))
    }

    proptest! {
        #[test]
        fn allocations_plus_unapplied_always_equal_the_payment_and_never_exceed_what_is_due((amount, invoices, explicit, asks) in arb_case()) {
            let c = CustomerId::from_ulid(Ulid::new());
            let candidates: Vec<Candidate> = invoices.iter().map(|(due, day)| candidate(c, *due, *day)).collect();
            let evidence = if explicit && !candidates.is_empty() {
                Evidence::Explicit(candidates.iter().zip(asks.iter()).map(|(c, a)| (c.id, usd(*a))).collect())
            } else {
                Evidence::None
            };
            if let Ok(d) = Engine::standard().apply(&input(amount, Channel::Manual, Some(c), evidence, candidates.clone())) {
                prop_assert_eq!(total(&d), amount);
                prop_assert!(!d.unapplied.is_negative());
                for a in &d.allocations {
                    let due = candidates.iter().find(|c| c.id == a.invoice).unwrap().amount_due;
                    let on_invoice: i64 = d.allocations.iter().filter(|x| x.invoice == a.invoice).map(|x| x.amount.to_minor()).sum();
                    prop_assert!(on_invoice <= due.to_minor(), "allocated {} > due {}", on_invoice, due);
                    prop_assert!(a.amount.is_positive());
                }
            }
        }
    }
}
