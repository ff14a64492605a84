import ArgumentParser

/// Numeric flags whose refusal states the rule. They are declared with `parsing: .unconditional`,
/// so `--timeout -5` reads -5 as the value (not as a flag) and is refused for what it is.
public enum NumberArgument {
    /// A positive number of seconds (`--timeout 3600`, `--timeout 0.5`).
    @Sendable public static func seconds(_ text: String) throws -> Double {
        guard let n = Double(text), n > 0, n.isFinite else {
            throw ValidationError("expected a positive number of seconds, e.g. 3600")
        }
        return n
    }

    /// A whole number from 0, naming what it counts.
    public static func count(what: String) -> @Sendable (String) throws -> Int {
        { text in
            guard let n = Int(text), n >= 0 else { throw ValidationError("expected \(what), a whole number from 0") }
            return n
        }
    }
}
