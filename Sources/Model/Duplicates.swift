import Foundation

/// Finding reports that may be about a child who already has a case (Primero's "possible duplicates").
///
/// Names are compared after folding (case, accents and width: "José" = "jose"), as whole names, by first
/// name, and with a small edit distance for spelling variants ("Chileshe" / "Chilese"). A candidate matches
/// when its name is similar and it lives in the same village or is within two years of age.
public enum DuplicateRule {
    /// The folded form of a name or village used for matching (and stored as an index key).
    public static func key(_ s: String) -> String {
        TextSafety.fold(s).split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ")
    }

    /// True when two folded names could be the same child.
    public static func namesSimilar(_ a: String, _ b: String) -> Bool {
        guard !a.isEmpty, !b.isEmpty else { return false }
        if a == b { return true }
        let fa = a.split(separator: " ").first.map(String.init) ?? a
        let fb = b.split(separator: " ").first.map(String.init) ?? b
        if fa.count >= 3 && fa == fb { return true }
        if min(a.count, b.count) >= 3 && (a.hasPrefix(b) || b.hasPrefix(a)) { return true }
        let limit = max(a.count, b.count) <= 5 ? 1 : 2
        return editDistance(a, b, limit: limit) <= limit || editDistance(fa, fb, limit: 1) <= (min(fa.count, fb.count) >= 5 ? 1 : 0)
    }

    /// Whether a candidate may be the same child.
    /// - Parameters: folded name and village keys; ages in years (nil when unknown).
    public static func matches(name: String, village: String, age: Int?, candidateName: String, candidateVillage: String, candidateAge: Int?) -> Bool {
        guard namesSimilar(name, candidateName) else { return false }
        let sameVillage = !village.isEmpty && village == candidateVillage
        let closeAge = age.flatMap { a in candidateAge.map { abs($0 - a) <= 2 } } ?? false
        return sameVillage || closeAge
    }

    /// Levenshtein distance, stopping early once it exceeds `limit` (returns `limit + 1` then).
    public static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let x = Array(a), y = Array(b)
        if abs(x.count - y.count) > limit { return limit + 1 }
        if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
        var prev = Array(0...y.count)
        for i in 1...x.count {
            var cur = [i] + Array(repeating: 0, count: y.count)
            var rowMin = cur[0]
            for j in 1...y.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
                rowMin = min(rowMin, cur[j])
            }
            if rowMin > limit { return limit + 1 }
            prev = cur
        }
        return prev[y.count]
    }
}
