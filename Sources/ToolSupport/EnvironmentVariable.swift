import ArgumentParser

/// An `--env NAME=VALUE` flag: NAME as a shell variable name, so that the buildspec can read it;
/// anything else exits 2 before the command runs. The value may be empty or hold `=`.
public struct EnvironmentVariable: ExpressibleByArgument, Sendable {
    public let name: String
    public let value: String

    public init?(argument: String) {
        guard let eq = argument.firstIndex(of: "=") else { return nil }
        let name = argument[..<eq]
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter),
            name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
        else { return nil }
        self.name = String(name)
        value = String(argument[argument.index(after: eq)...])
    }
}
