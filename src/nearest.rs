//! Did-you-mean: the known name nearest to a mistyped one, within the edits a typo makes.
//! Used wherever a name the user gave matches nothing (actions, principals, policies,
//! named queries, report subjects), so that every such message suggests the same way.

/// The item whose key is nearest to `target`, within an edit distance that a typo makes
/// (1 for short names, 2 from five characters on); the first of equals.
pub fn closest<T>(
    target: &str,
    items: impl Iterator<Item = T>,
    key: impl Fn(&T) -> String,
) -> Option<T> {
    let limit = if target.len() >= 5 { 2 } else { 1 };
    let mut best: Option<(usize, T)> = None;
    for item in items {
        let distance = edit_distance(target.as_bytes(), key(&item).as_bytes());
        if distance <= limit && best.as_ref().is_none_or(|(d, _)| distance < *d) {
            best = Some((distance, item));
        }
    }
    best.map(|(_, item)| item)
}

/// Levenshtein distance with adjacent transpositions (optimal string alignment).
pub fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_transpositions_once() {
        assert_eq!(edit_distance(b"getobject", b"getobject"), 0);
        assert_eq!(edit_distance(b"getobjet", b"getobject"), 1);
        assert_eq!(edit_distance(b"gteobject", b"getobject"), 1);
        assert_eq!(edit_distance(b"", b"abc"), 3);
    }

    #[test]
    fn the_nearest_within_a_typo_and_the_first_of_equals() {
        let names = ["Development", "Developers", "app-dev"];
        assert_eq!(
            closest("developement", names.iter(), |n| n.to_ascii_lowercase()),
            Some(&"Development")
        );
        assert_eq!(
            closest("qa", names.iter(), |n| n.to_ascii_lowercase()),
            None
        );
        assert_eq!(
            closest("app-de", names.iter(), |n| n.to_ascii_lowercase()),
            Some(&"app-dev")
        );
    }
}
