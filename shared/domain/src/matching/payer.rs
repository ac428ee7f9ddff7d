//! Who paid: the counterparty name on a bank entry against customer names,
//! case, punctuation, accents and legal forms aside.

/// Legal-form words that say nothing about who a company is.
const LEGAL_FORMS: &[&str] = &[
    "gmbh", "ag", "kg", "ohg", "ug", "ek", "eg", "mbh", "co", "ltd", "limited", "llc", "llp", "inc", "incorporated", "corp", "corporation", "plc", "sa", "sas", "sarl", "sl", "srl", "spa", "bv", "nv", "oy", "oyj", "ab", "as", "asa", "aps", "kft", "sp", "zoo", "sro", "doo", "pty", "pte", "the", "und", "and", "et", "cie",
];

/// Lower case, accents folded, punctuation as spaces, legal forms dropped.
pub fn normalize_name(name: &str) -> String {
    let folded: String = name
        .chars()
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

/// How alike two names are, 0 to 100: the better of Jaro-Winkler on the
/// normalized names and, when one name's words are all in the other, a
/// containment score (banks truncate and append).
pub fn name_similarity(a: &str, b: &str) -> u8 {
    let (a, b) = (normalize_name(a), normalize_name(b));
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    if a == b {
        return 100;
    }
    let jw = strsim::jaro_winkler(&a, &b);
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    let long_words: Vec<&str> = long.split(' ').collect();
    let contained = short.split(' ').all(|w| long_words.contains(&w)) && short.len() >= 4;
    let score = if contained { jw.max(0.93) } else { jw };
    (score * 100.0).round().clamp(0.0, 100.0) as u8
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
    }
}
