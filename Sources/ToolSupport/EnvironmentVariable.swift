import ArgumentParser

/// An `--env NAME=VALUE` flag: NAME as a shell variable name, so that the buildspec can read it;
/// anything else exits 2, with the rule, before the command runs. The value may be empty or hold
/// `=`. Declare it with `transform: EnvironmentVariable.parse`.
public struct EnvironmentVariable: Sendable {
    public let name: String
    public let value: String

    @Sendable public static func parse(_ argument: String) throws -> EnvironmentVariable {
        let rule = "expected NAME=VALUE, NAME of letters, digits and _ not starting with a digit, e.g. --env DEBUG=1"
        guard let eq = argument.firstIndex(of: "=") else { throw ValidationError(rule) }
        let name = argument[..<eq]
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter),
            name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
        else { throw ValidationError(rule) }
        return EnvironmentVariable(name: String(name), value: String(argument[argument.index(after: eq)...]))
    }
}
