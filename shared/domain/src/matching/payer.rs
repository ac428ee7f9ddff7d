//! Who paid: the counterparty name on a bank entry against customer names,
//! case, punctuation, accents and legal forms aside.

/// Legal-form words that say nothing about who a company is.
const LEGAL_FORMS: &[&str] = &[
    "gmbh", "ag", "kg", "ohg", "ug", "ek", "eg", "mbh", "co", "ltd", "limited", "llc", "llp", "inc", "incorporated", "corp", "corporation", "plc", "sa", "sas", "sarl", "sl", "srl", "spa", "bv", "nv", "oy", "oyj", "ab", "as", "asa", "aps", "kft", "sp", "zoo", "sro", "doo", "pty", "pte", "the", "und", "and", "et", "cie",
];

/// Lower case, accents folded, punctuation as spaces, legal forms dropped.
pub fn normalize_name(name: &str) -> String {
    // `B.V.`, `S.p.A.`, `Inc.`: dots join, other punctuation separates.
    let folded: String = name
        .chars()
        .filter(|c| *c != '.')
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ä' | 'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' => 'a',
            'ö' | 'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'ō' => 'o',
            'ü' | 'ù' | 'ú' | 'û' | 'ū' => 'u',
            'é' | 'è' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'ī' | 'į' => 'i',
            'ç' | 'č' | 'ć' => 'c',
            'š' | 'ś' => 's',
            'ž' | 'ź' | 'ż' => 'z',
            'ñ' | 'ń' => 'n',
            'ł' => 'l',
            'ß' => 's',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect();
    folded.split_whitespace().filter(|w| !LEGAL_FORMS.contains(w)).collect::<Vec<_>>().join(" ")
}

/// How alike two names are, 0 to 100, word by word: every word of the
/// shorter name must be (nearly, Jaro-Winkler) a word of the longer one;
/// the score is the weakest of those. Banks truncate names and append
/// words, so the shorter side decides; a different word anywhere in it
/// (`Acme Ka` against `Acme Ke Berlin`) keeps the score low however much
/// else agrees.
pub fn name_similarity(a: &str, b: &str) -> u8 {
    let (a, b) = (normalize_name(a), normalize_name(b));
    let (wa, wb): (Vec<&str>, Vec<&str>) = (a.split(' ').filter(|w| !w.is_empty()).collect(), b.split(' ').filter(|w| !w.is_empty()).collect());
    words_similarity(&wa, &wb)
}

/// [`name_similarity`] of two names already normalized and split into words.
pub fn words_similarity(wa: &[&str], wb: &[&str]) -> u8 {
    if wa.is_empty() || wb.is_empty() {
        return 0;
    }
    if wa == wb {
        return 100;
    }
    let (short, long) = if wa.len() <= wb.len() { (wa, wb) } else { (wb, wa) };
    if short.iter().map(|w| w.len()).sum::<usize>() < 3 {
        return 0;
    }
    let weakest = short.iter().map(|s| long.iter().map(|l| if s == l { 1.0 } else { strsim::jaro_winkler(s, l) }).fold(0.0, f64::max)).fold(1.0, f64::min);
    (weakest * 100.0).round().clamp(0.0, 100.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_forms_case_punctuation_and_accents_do_not_matter() {
        assert_eq!(normalize_name("ACME GmbH & Co. KG"), "acme");
        assert_eq!(normalize_name("Müller-Lüdenscheidt AG"), "muller ludenscheidt");
        assert_eq!(name_similarity("Robert Schneider SA", "ROBERT SCHNEIDER"), 100);
    }

    #[test]
    fn a_truncated_or_misspelt_name_still_matches_and_a_different_one_does_not() {
        assert!(name_similarity("Globex Corporation", "GLOBEX CORP LONDON BRANCH") >= 90);
        assert!(name_similarity("Initech Ltd", "Inittech Limited") >= 90);
        assert!(name_similarity("Initech Ltd", "Initrode Ltd") < 90);
        assert!(name_similarity("Acme", "Umbrella") < 60);
        assert!(name_similarity("ACME KA", "Acme Ke Berlin GmbH") < 90, "one word differs");
    }
}
