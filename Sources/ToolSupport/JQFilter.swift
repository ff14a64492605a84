import CJQ
import AWSCore

/// `--filter EXPR` through libjq: compiled once, with the jq program's syntax and results.
/// libjq compiles its builtin library on every compile (~17 ms), so it is touched only when a
/// filter is given.
public final class JQFilter {
    private var state: OpaquePointer?
    private let messages = MessageBox()

    private final class MessageBox { var lines: [String] = [] }

    public init(_ expression: String) throws {
        state = jq_init()
        guard state != nil else { throw ToolError.remote("libjq: cannot initialise") }
        jq_set_error_cb(state, { context, message in
            let box = Unmanaged<MessageBox>.fromOpaque(context!).takeUnretainedValue()
            box.lines.append(JQFilter.text(of: message))
        }, Unmanaged.passUnretained(messages).toOpaque())
        guard jq_compile(state, expression) != 0 else {
            let first = messages.lines.first { !$0.contains("compile error") } ?? messages.lines.first ?? "syntax error"
            let why = first.split(separator: "\n").first.map(String.init) ?? first
            throw ToolError.usage("invalid --filter '\(expression)': \(why)")
        }
    }

    deinit { jq_teardown(&state) }

    /// Every result rendered as jq renders it: indented by two spaces, or compact; with `raw`,
    /// strings without quotes (jq -r).
    public func render(_ input: JSON, compact: Bool, raw: Bool) throws -> [String] {
        try run(input) { result in
            if raw && jv_get_kind(result) == JV_KIND_STRING {
                let s = String(cString: jv_string_value(result))
                jv_free(result)
                return s
            }
            return JQFilter.dump(result, flags: compact ? 0 : Int32(2 << 8 | Int(JV_PRINT_PRETTY.rawValue)))
        }
    }

    private func run<T>(_ input: JSON, _ each: (jv) throws -> T) throws -> [T] {
        let parsed = jv_parse(input.serialized())
        jq_start(state, parsed, 0)
        var out: [T] = []
        while true {
            let result = jq_next(state)
            if jv_get_kind(result) == JV_KIND_INVALID {
                if jv_invalid_has_msg(jv_copy(result)) != 0 {
                    let message = JQFilter.text(of: jv_invalid_get_msg(result))
                    throw ToolError.filter("--filter failed: \(message)")
                }
                jv_free(result)
                return out
            }
            out.append(try each(result))
        }
    }

    /// Consumes a jv and returns its JSON text.
    static func dump(_ value: jv, flags: Int32) -> String {
        let s = jv_dump_string(value, flags)
        defer { jv_free(s) }
        return String(cString: jv_string_value(s))
    }

    /// Consumes a message jv: a string as it is, anything else as JSON.
    static func text(of message: jv) -> String {
        if jv_get_kind(message) == JV_KIND_STRING {
            let s = String(cString: jv_string_value(message))
            jv_free(message)
            return s
        }
        return dump(message, flags: 0)
    }
}
