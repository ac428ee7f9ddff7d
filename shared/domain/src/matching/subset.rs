//! One payment for several invoices of one customer, with no invoice
//! named: the sets of open invoices whose amounts due add up to exactly the
//! amount. Bounded (the oldest `subset_items` invoices, sets of at most
//! `subset_size`), and stopped at the second solution, which is all the
//! decision needs to know.

use super::{MatchPolicy, OpenItem};

pub enum Found<'a> {
    None,
    One(Vec<&'a OpenItem>),
    /// Up to a few of the sets, for suggestions.
    Several(Vec<Vec<&'a OpenItem>>),
}

pub fn exact_subsets<'a>(items: &[&'a OpenItem], amount_minor: i64, policy: &MatchPolicy) -> Found<'a> {
    let pool: Vec<&OpenItem> = items.iter().copied().take(policy.subset_items).collect();
    let mut solutions: Vec<Vec<&OpenItem>> = Vec::new();
    let mut chosen: Vec<usize> = Vec::new();
    // Suffix sums let a branch stop when what is left cannot reach the amount.
    let mut rest = vec![0i64; pool.len() + 1];
    for i in (0..pool.len()).rev() {
        rest[i] = rest[i + 1] + pool[i].due_minor;
    }
    let mut budget: u32 = 200_000;
    search(&pool, &rest, 0, amount_minor, policy.subset_size, &mut chosen, &mut solutions, &mut budget);
    if budget == 0 {
        // Not searched to the end: one set found is not known to be the only one.
        return if solutions.is_empty() { Found::None } else { Found::Several(solutions) };
    }
    match solutions.len() {
        0 => Found::None,
        1 => Found::One(solutions.remove(0)),
        _ => Found::Several(solutions),
    }
}

#[allow(clippy::too_many_arguments)]
fn search<'a>(pool: &[&'a OpenItem], rest: &[i64], from: usize, left: i64, size: usize, chosen: &mut Vec<usize>, solutions: &mut Vec<Vec<&'a OpenItem>>, budget: &mut u32) {
    if solutions.len() >= 3 || *budget == 0 {
        return;
    }
    *budget -= 1;
    if left == 0 {
        // Single invoices are the payer rule's; a set has two or more.
        if chosen.len() >= 2 {
            solutions.push(chosen.iter().map(|&i| pool[i]).collect());
        }
        return;
    }
    if left < 0 || chosen.len() == size || rest[from] < left {
        return;
    }
    for i in from..pool.len() {
        chosen.push(i);
        search(pool, rest, i + 1, left - pool[i].due_minor, size, chosen, solutions, budget);
        chosen.pop();
        if solutions.len() >= 3 {
            return;
        }
    }
}
