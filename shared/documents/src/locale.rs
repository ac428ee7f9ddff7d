//! Languages the documents are written in, and locale-correct numbers,
//! money and dates, all on `rust_decimal` and integers (no floats).
//!
//! | | money | negative | date | percent |
//! |---|---|---|---|---|
//! | `en` | `€1,234.50`, `CHF 1,234.50` | `-€1,234.50` | `23 November 2026` | `19%` |
//! | `de` | `1.234,50 €` | `-1.234,50 €` | `23.11.2026` | `19 %` |
//! | `fr` | `1 234,50 €` | `-1 234,50 €` | `23/11/2026` | `19 %` |
//!
//! Following CLDR, the space between an amount and its symbol or code (and
//! before `%` in `de`) is a no-break space (U+00A0), so an amount never
//! breaks across lines; `fr` groups thousands with a narrow no-break space
//! (U+202F) and puts one before `%`. English dates are written day first
//! (`23 November 2026`): `en` is also the fallback for every language
//! without its own texts, and day-month-year in words cannot be misread
//! anywhere. Amounts carry exactly the currency's minor digits (JPY 0,
//! BHD 3); a currency without an entry in [`currency_symbol`] is shown by
//! its ISO code.

use chrono::{Datelike, NaiveDate};
use o2c_domain::customer::Locale;
use o2c_domain::money::{Currency, Money, Percent};
use rust_decimal::Decimal;

/// No-break space (U+00A0).
pub const NBSP: char = '\u{A0}';
/// Narrow no-break space (U+202F), the French thousands separator.
pub const NNBSP: char = '\u{202F}';

/// A language with its own texts. Any other language falls back to
/// [`Lang::En`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    De,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::De, Lang::Fr];

    /// The customer's language, or English when it has no texts of its own.
    pub fn for_locale(locale: &Locale) -> Self {
        match locale.language() {
            "de" => Lang::De,
            "fr" => Lang::Fr,
            _ => Lang::En,
        }
    }

    /// The BCP 47 tag (HTML `lang`, PDF `/Lang`, MIME `Content-Language`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
        }
    }

    fn decimal_separator(self) -> char {
        match self {
            Lang::En => '.',
            Lang::De | Lang::Fr => ',',
        }
    }

    fn group_separator(self) -> char {
        match self {
            Lang::En => ',',
            Lang::De => '.',
            Lang::Fr => NNBSP,
        }
    }
}

/// Symbols for common currencies (CLDR's English short symbols, chosen so
/// that no two currencies share one: `$` is the US dollar only). Any other
/// currency is written with its ISO code.
pub fn currency_symbol(currency: Currency) -> Option<&'static str> {
    Some(match currency.code() {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        "JPY" => "¥",
        "CNY" => "CN¥",
        "INR" => "₹",
        "KRW" => "₩",
        "ILS" => "₪",
        "VND" => "₫",
        "PHP" => "₱",
        "NGN" => "₦",
        "UAH" => "₴",
        "TRY" => "₺",
        "CAD" => "CA$",
        "AUD" => "A$",
        "NZD" => "NZ$",
        "HKD" => "HK$",
        "MXN" => "MX$",
        "TWD" => "NT$",
        "BRL" => "R$",
        _ => return None,
    })
}

/// Groups the integer digits and writes the locale's separators. `plain`
/// is an unsigned plain decimal (`"1234.50"`).
fn localize_digits(plain: &str, lang: Lang, out: &mut String) {
    let (int, frac) = plain.split_once('.').unwrap_or((plain, ""));
    let len = int.len();
    for (i, d) in int.chars().enumerate() {
        if i > 0 && (len - i) % 3 == 0 {
            out.push(lang.group_separator());
        }
        out.push(d);
    }
    if !frac.is_empty() {
        out.push(lang.decimal_separator());
        out.push_str(frac);
    }
}

/// A decimal written with exactly `dp` places (rounded half away from zero
/// if it has more), grouped, with the locale's separators and a leading
/// `-` when negative.
pub fn format_decimal(value: Decimal, dp: u32, lang: Lang) -> String {
    let mut v = value.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    v.rescale(dp);
    let negative = v.is_sign_negative() && !v.is_zero();
    let plain = v.abs().to_string();
    let mut out = String::with_capacity(plain.len() + 8);
    if negative {
        out.push('-');
    }
    localize_digits(&plain, lang, &mut out);
    out
}

/// A quantity or other plain number: as many decimals as it has, no more.
pub fn format_number(value: Decimal, lang: Lang) -> String {
    let n = value.normalize();
    format_decimal(n, n.scale(), lang)
}

/// A currency amount with `dp` decimals and the currency's symbol or code
/// placed as the language writes it.
pub(crate) fn format_currency_amount(value: Decimal, currency: Currency, dp: u32, lang: Lang) -> String {
    let digits = format_decimal(value, dp, lang);
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits.as_str()),
    };
    let symbol = currency_symbol(currency);
    match (lang, symbol) {
        (Lang::En, Some(s)) => format!("{sign}{s}{digits}"),
        (Lang::En, None) => format!("{sign}{}{NBSP}{digits}", currency.code()),
        (Lang::De | Lang::Fr, s) => format!("{sign}{digits}{NBSP}{}", s.unwrap_or(currency.code())),
    }
}

/// Money with exactly its currency's minor digits: `€1,234.50`,
/// `1.234,50 €`, `1 234,50 €`, `¥1,235`, `BHD 1,234.567`.
pub fn format_money(money: Money, lang: Lang) -> String {
    let currency = money.currency();
    format_currency_amount(money.amount(), currency, currency.minor_digits(), lang)
}

/// A unit price: at least the currency's minor digits, more when the price
/// has them (unit amounts take up to 6 decimals: `€0.125`).
pub fn format_unit_price(value: Decimal, currency: Currency, lang: Lang) -> String {
    let dp = value.normalize().scale().max(currency.minor_digits());
    format_currency_amount(value, currency, dp, lang)
}

/// A percentage: `19%`, `5.5%` (en); `19 %`, `5,5 %` (de, no-break
/// space); `19 %` (fr, narrow no-break space).
pub fn format_percent(percent: Percent, lang: Lang) -> String {
    let n = format_number(percent.percent(), lang);
    match lang {
        Lang::En => format!("{n}%"),
        Lang::De => format!("{n}{NBSP}%"),
        Lang::Fr => format!("{n}{NNBSP}%"),
    }
}

const MONTHS_EN: [&str; 12] = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
];

/// `23 November 2026` (en), `23.11.2026` (de), `23/11/2026` (fr).
pub fn format_date(date: NaiveDate, lang: Lang) -> String {
    let (d, m, y) = (date.day(), date.month(), date.year());
    match lang {
        Lang::En => format!("{d} {} {y}", MONTHS_EN[(m - 1) as usize]),
        Lang::De => format!("{d:02}.{m:02}.{y}"),
        Lang::Fr => format!("{d:02}/{m:02}/{y}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn money(text: &str, code: &str) -> Money {
        Money::parse(text, Currency::parse(code).unwrap()).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn euros_are_written_the_way_each_language_writes_them() {
        let m = money("1234.5", "EUR");
        assert_eq!(format_money(m, Lang::En), "€1,234.50");
        assert_eq!(format_money(m, Lang::De), "1.234,50\u{A0}€");
        assert_eq!(format_money(m, Lang::Fr), "1\u{202F}234,50\u{A0}€");
    }

    #[test]
    fn yen_have_no_decimals_and_dinars_have_three() {
        let jpy = money("1234567", "JPY");
        assert_eq!(format_money(jpy, Lang::En), "¥1,234,567");
        assert_eq!(format_money(jpy, Lang::De), "1.234.567\u{A0}¥");
        let bhd = money("1234.5", "BHD");
        assert_eq!(format_money(bhd, Lang::En), "BHD\u{A0}1,234.500");
        assert_eq!(format_money(bhd, Lang::De), "1.234,500\u{A0}BHD");
        assert_eq!(format_money(bhd, Lang::Fr), "1\u{202F}234,500\u{A0}BHD");
    }

    #[test]
    fn negative_amounts_put_the_minus_sign_first() {
        let m = money("-1234.5", "EUR");
        assert_eq!(format_money(m, Lang::En), "-€1,234.50");
        assert_eq!(format_money(m, Lang::De), "-1.234,50\u{A0}€");
        assert_eq!(format_money(m, Lang::Fr), "-1\u{202F}234,50\u{A0}€");
        assert_eq!(format_money(money("-0.5", "CHF"), Lang::En), "-CHF\u{A0}0.50");
    }

    #[test]
    fn small_amounts_and_zero_are_not_grouped() {
        assert_eq!(format_money(money("0", "USD"), Lang::En), "$0.00");
        assert_eq!(format_money(money("999.99", "USD"), Lang::De), "999,99\u{A0}$");
        assert_eq!(format_money(money("1000", "GBP"), Lang::En), "£1,000.00");
        assert_eq!(format_money(money("999999999999", "GBP"), Lang::En), "£999,999,999,999.00");
    }

    #[test]
    fn unit_prices_keep_their_extra_decimals() {
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(format_unit_price(Decimal::new(125, 3), eur, Lang::En), "€0.125");
        assert_eq!(format_unit_price(Decimal::new(15, 0), eur, Lang::De), "15,00\u{A0}€");
        assert_eq!(format_unit_price(Decimal::new(1_234_567_891, 6), eur, Lang::Fr), "1\u{202F}234,567891\u{A0}€");
    }

    #[test]
    fn quantities_and_percentages_use_the_decimal_separator_of_the_language() {
        assert_eq!(format_number(Decimal::new(15000, 1), Lang::En), "1,500");
        assert_eq!(format_number(Decimal::new(25, 1), Lang::De), "2,5");
        let rate = Percent::parse("5.5").unwrap();
        assert_eq!(format_percent(rate, Lang::En), "5.5%");
        assert_eq!(format_percent(rate, Lang::De), "5,5\u{A0}%");
        assert_eq!(format_percent(rate, Lang::Fr), "5,5\u{202F}%");
        assert_eq!(format_percent(Percent::parse("19").unwrap(), Lang::En), "19%");
    }

    #[test]
    fn dates_are_written_the_way_each_language_writes_them() {
        let d = date("2026-11-23");
        assert_eq!(format_date(d, Lang::En), "23 November 2026");
        assert_eq!(format_date(d, Lang::De), "23.11.2026");
        assert_eq!(format_date(d, Lang::Fr), "23/11/2026");
        let early = date("2026-01-03");
        assert_eq!(format_date(early, Lang::En), "3 January 2026");
        assert_eq!(format_date(early, Lang::De), "03.01.2026");
        assert_eq!(format_date(early, Lang::Fr), "03/01/2026");
    }

    #[test]
    fn languages_without_texts_fall_back_to_english() {
        assert_eq!(Lang::for_locale(&Locale::parse("de-CH").unwrap()), Lang::De);
        assert_eq!(Lang::for_locale(&Locale::parse("fr-CA").unwrap()), Lang::Fr);
        assert_eq!(Lang::for_locale(&Locale::parse("es").unwrap()), Lang::En);
        assert_eq!(Lang::for_locale(&Locale::parse("en-US").unwrap()), Lang::En);
    }

    fn currency() -> impl Strategy<Value = Currency> {
        prop::sample::select(vec!["USD", "EUR", "JPY", "BHD", "KWD", "CLP", "GBP", "CHF", "SEK", "CAD"])
            .prop_map(|c| Currency::parse(c).unwrap())
    }

    fn lang() -> impl Strategy<Value = Lang> {
        prop::sample::select(Lang::ALL.to_vec())
    }

    /// Reads a formatted amount back: drops the symbol or code and the
    /// group separators, and turns the decimal separator into a point.
    fn read_back(text: &str, lang: Lang) -> Decimal {
        let mut plain = String::new();
        for c in text.chars() {
            if c.is_ascii_digit() || c == '-' {
                plain.push(c);
            } else if c == lang.decimal_separator() {
                plain.push('.');
            }
        }
        plain.parse().unwrap()
    }

    proptest! {
        #[test]
        fn formatted_money_reads_back_to_the_same_amount(units in -999_999_999_999i64..=999_999_999_999, c in currency(), lang in lang()) {
            let Ok(m) = Money::from_minor(units, c) else { return Ok(()) };
            let text = format_money(m, lang);
            prop_assert_eq!(read_back(&text, lang), m.amount());
            prop_assert_eq!(text.starts_with('-'), m.is_negative());
        }

        #[test]
        fn formatted_money_has_exactly_the_minor_digits(units in -999_999_999_999i64..=999_999_999_999, c in currency(), lang in lang()) {
            let Ok(m) = Money::from_minor(units, c) else { return Ok(()) };
            let text = format_money(m, lang);
            let after: String = text
                .rsplit_once(lang.decimal_separator())
                .map(|(_, rest)| rest.chars().take_while(char::is_ascii_digit).collect())
                .unwrap_or_default();
            // A code or symbol never contains the decimal separator's digits.
            prop_assert_eq!(after.len() as u32, c.minor_digits());
        }

        #[test]
        fn thousands_are_grouped_by_three(units in 0i64..=999_999_999_999, c in currency(), lang in lang()) {
            let m = Money::from_minor(units, c).unwrap_or(Money::zero(c));
            let text = format_money(m, lang);
            let digits: String = text.chars().filter(|ch| ch.is_ascii_digit() || *ch == lang.group_separator() || *ch == lang.decimal_separator()).collect();
            let int = digits.split(lang.decimal_separator()).next().unwrap_or("");
            let groups: Vec<&str> = int.split(lang.group_separator()).collect();
            prop_assert!(!groups[0].is_empty() && groups[0].len() <= 3, "{text}");
            for g in &groups[1..] {
                prop_assert_eq!(g.len(), 3, "{}", text);
            }
        }

        #[test]
        fn a_negative_amount_is_the_positive_one_with_a_leading_minus(units in 1i64..=999_999_999_999, c in currency(), lang in lang()) {
            let Ok(pos) = Money::from_minor(units, c) else { return Ok(()) };
            let neg = Money::from_minor(-units, c).unwrap();
            prop_assert_eq!(format_money(neg, lang), format!("-{}", format_money(pos, lang)));
        }
    }
}
