//! A processor's payout: the money of charges already applied through the
//! processor's webhooks, arriving at the bank in one sum. It is matched to
//! the payout (clearing to bank), never to invoices again.

use super::ReconciliationStore;
use crate::actions::Context;
use crate::bank_entry::{BankEntry, EntryMatch, EntryStatus, EntryWrite};
use crate::journal::Posting;
use crate::matching::BankCredit;
use crate::ports::StoreError;

/// Processors whose charges o2c applies through webhooks, so their payouts
/// are money already applied. Only Stripe today: a payout from a
/// processor o2c does not hear from is money a person must place.
const PROCESSORS: &[&str] = &["STRIPE"];

/// The processor a credit comes from, when it is a payout: the payer's
/// name is a processor's, or the text carries a Stripe payout id (`po_…`).
pub(crate) fn processor_of(credit: &BankCredit) -> Option<String> {
    let upper = |s: &str| s.to_uppercase();
    let name = credit.counterparty.as_deref().map(upper).unwrap_or_default();
    let text = upper(&credit.remittance);
    let words = |s: &str| s.split(|c: char| !c.is_ascii_alphanumeric() && c != '.').map(str::to_owned).collect::<Vec<_>>();
    if let Some(p) = PROCESSORS.iter().find(|p| words(&name).iter().any(|w| w == *p) || words(&text).iter().any(|w| w == *p)) {
        return Some((*p).to_owned());
    }
    let stripe_payout = credit.remittance.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').any(|w| w.starts_with("po_") && w.len() >= 17);
    stripe_payout.then(|| "STRIPE".to_owned())
}

pub(crate) async fn settle<S: ReconciliationStore>(store: &S, ctx: &Context, mut entry: BankEntry, credit: &BankCredit, processor: &str) -> Result<EntryStatus, StoreError> {
    entry.status = EntryStatus::Matched;
    let explanation = format!("a payout from {processor}: its charges were applied to invoices when the processor reported them, so this moves clearing to the bank and touches no invoice");
    entry.record(ctx.now(), "matched", format!("Payout from {processor}"));
    entry.decision = Some(EntryMatch { rule: "processor_payout".into(), confidence: 95, explanation });
    let on = entry.booking_date.unwrap_or(credit.booked_on);
    let posting = Posting::PaidOut { reference: entry.id.clone(), on, currency: credit.amount.currency(), gross_minor: credit.amount.to_minor(), fee_minor: 0 };
    store.record_entries(vec![EntryWrite { entry, expected_version: None, claim: true }], vec![posting]).await.map(|()| EntryStatus::Matched)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::money::{Currency, Money};

    fn credit(name: Option<&str>, text: &str) -> BankCredit {
        BankCredit { amount: Money::from_minor(10_000, Currency::parse("EUR").unwrap()).unwrap(), booked_on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), counterparty: name.map(str::to_owned), references: vec![], remittance: text.into() }
    }

    #[test]
    fn a_credit_from_a_processor_or_naming_a_stripe_payout_is_a_payout() {
        assert_eq!(processor_of(&credit(Some("Stripe Payments Europe Ltd"), "")), Some("STRIPE".into()));
        assert_eq!(processor_of(&credit(None, "STRIPE PAYOUT po_1OaBcDeFgHiJkLmN")), Some("STRIPE".into()));
        assert_eq!(processor_of(&credit(None, "po_1OaBcDeFgHiJkLmN")), Some("STRIPE".into()));
        assert_eq!(processor_of(&credit(Some("Adyen N.V."), "settlement 42")), None, "no webhooks from Adyen: a person places it");
    }

    #[test]
    fn a_customer_whose_name_merely_contains_a_processors_letters_is_not_a_payout() {
        assert_eq!(processor_of(&credit(Some("Stripes & Co GmbH"), "INV-2026-000042")), None);
        assert_eq!(processor_of(&credit(Some("Square Meal Ltd"), "")), None);
        assert_eq!(processor_of(&credit(Some("Acme"), "po_short")), None);
    }
}
