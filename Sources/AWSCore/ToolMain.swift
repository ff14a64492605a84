import ArgumentParser

/// Runs a tool's command with the exit-code convention: 0 done, 1 AWS or remote failure,
/// 2 bad input or usage (argument-parser's own 64 included), 5 filter failure, 130/143 when
/// interrupted. Errors go to stderr as one line that names the tool.
public enum ToolMain {
    public static func run<C: ParsableCommand>(_ type: C.Type) -> Never {
        Interrupt.install()
        let name = C.configuration.commandName ?? "tool"
        do {
            var command = try type.parseAsRoot()
            try command.run()
            exit(0)
        } catch let e as ToolError {
            log("\(name): \(e)")
            exit(e.exitCode)
        } catch let e as JSONParseError {
            log("\(name): malformed JSON: \(e)")
            exit(2)
        } catch {
            let code = type.exitCode(for: error)
            if code == .success {
                print(type.fullMessage(for: error))
                exit(0)
            }
            if let e = error as? ExitCode { exit(e.rawValue) }
            let message = type.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid usage"
            let text = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
            log("\(name): \(text) (see --help)")
            exit(2)
        }
    }
}

/// Reading a tool's JSON input from stdin, with errors that say what is wrong and where.
public enum Input {
    /// One JSON value from stdin; nil when stdin is a terminal or empty and input is optional.
    public static func json(required: Bool, what: String = "input") throws -> JSON? {
        if isatty(0) != 0 {
            if required { throw ToolError.usage("expected \(what) as JSON on stdin") }
            return nil
        }
        let bytes = readStandardInput()
        if bytes.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            if required { throw ToolError.usage("expected \(what) as JSON on stdin, got nothing") }
            return nil
        }
        do { return try JSON.parse(bytes) } catch let e as JSONParseError {
            throw ToolError.usage("malformed JSON on stdin: \(e)")
        }
    }
}

/// Typed access to fields of a JSON object, with errors that name the field and the type.
public struct Fields {
    public let json: JSON
    public let what: String

    public init(_ json: JSON, what: String) throws {
        guard json.object != nil else { throw ToolError.usage("\(what) must be a JSON object, got \(json.typeName)") }
        self.json = json
        self.what = what
    }

    public func string(_ key: String) throws -> String? {
        guard let v = json[key], !v.isNull else { return nil }
        guard let s = v.string else { throw ToolError.usage("\(what): '\(key)' must be a string, got \(v.typeName)") }
        return s
    }

    public func requiredString(_ key: String) throws -> String {
        guard let s = try string(key), !s.isEmpty else { throw ToolError.usage("\(what): missing '\(key)'") }
        return s
    }

    public func object(_ key: String) throws -> [(String, JSON)]? {
        guard let v = json[key], !v.isNull else { return nil }
        guard let o = v.object else { throw ToolError.usage("\(what): '\(key)' must be an object, got \(v.typeName)") }
        return o
    }

    public func array(_ key: String) throws -> [JSON]? {
        guard let v = json[key], !v.isNull else { return nil }
        guard let a = v.array else { throw ToolError.usage("\(what): '\(key)' must be an array, got \(v.typeName)") }
        return a
    }

    /// Rejects keys the tool does not know, so a typo is an error rather than a silent default.
    public func only(_ keys: Set<String>) throws {
        for (k, _) in json.object ?? [] where !keys.contains(k) {
            throw ToolError.usage("\(what): unknown field '\(k)' (expected \(keys.sorted().joined(separator: ", ")))")
        }
    }
}
