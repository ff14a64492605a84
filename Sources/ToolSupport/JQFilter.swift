import CJQ
import CSignals
import AWSCore

/// `--filter EXPR` through libjq: compiled once, with the jq program's syntax and results.
/// libjq compiles its builtin library on every compile (~17 ms), so it is touched only when a
/// filter is given. A run is bounded in time and memory (`SANDBOX_FILTER_SECONDS`, default 20;
/// `SANDBOX_FILTER_MEMORY_MB`, default 1024): libjq cannot be stopped from outside, so a C timer
/// ends the process with exit 5 when a filter such as `def f: f; f` or `repeat(.)` passes either.
public final class JQFilter {
    private var state: OpaquePointer?
    private let messages = MessageBox()
    let seconds: Double
    let memoryMB: Int

    private final class MessageBox { var lines: [String] = [] }

    /// `halt` or `halt_error` ran: the results before it, then the process ends as jq's would.
    public struct Halt: Error {
        public let lines: [String]
        public let code: Int32
        /// What goes to stderr as it is (jq writes a string raw, anything else as JSON and a newline).
        public let message: String
    }

    public init(_ expression: String, environment: [String: String] = processEnvironment()) throws {
        seconds = try JQFilter.bound(environment, "SANDBOX_FILTER_SECONDS", default: 20)
        memoryMB = Int(try JQFilter.bound(environment, "SANDBOX_FILTER_MEMORY_MB", default: 1024))
        if let directive = JQFilter.moduleDirective(expression) {
            throw ToolError.usage(
                "invalid --filter '\(expression)': '\(directive)' is not available (no jq module files are read)")
        }
        state = jq_init()
        guard state != nil else { throw ToolError.remote("libjq: cannot initialise") }
        // libjq aborts when a program asks for the module search path and these are unset.
        jq_set_attr(state, jv_string("JQ_LIBRARY_PATH"), jv_array())
        jq_set_attr(state, jv_string("JQ_ORIGIN"), jv_string("/"))
        // `input` and `inputs` read after the one input, the tool's output: there is no more, as
        // for jq given one value (without a callback libjq crashes).
        jq_set_input_cb(state, { _, _ in jv_invalid() }, nil)
        jq_set_error_cb(
            state,
            { context, message in
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

    /// A positive number from the environment, or the default.
    static func bound(_ environment: [String: String], _ name: String, default value: Double) throws -> Double {
        guard let text = environment[name], !text.isEmpty else { return value }
        guard let n = Double(text), n > 0, n.isFinite else {
            throw ToolError.usage("\(name) must be a positive number, got '\(text)'")
        }
        return n
    }

    /// `import`, `include` or `module` at the head of a program (where jq allows them, after
    /// blanks and comments); nil for any other program.
    static func moduleDirective(_ expression: String) -> String? {
        var rest = Substring(expression)
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
            guard rest.first == "#" else { break }
            rest = rest.drop { $0 != "\n" }
        }
        let word = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
        return ["import", "include", "module"].contains(word) ? word : nil
    }

    /// Every result rendered as jq renders it: indented by two spaces, or compact; with `raw`,
    /// strings without quotes (jq -r), whole even when they hold a NUL.
    public func render(_ input: JSON, compact: Bool, raw: Bool) throws -> [String] {
        let parsed = jv_parse(input.serialized())
        jq_start(state, parsed, 0)
        sandbox_filter_guard_start(
            seconds, Int64(memoryMB) << 20,
            "--filter ran longer than \(seconds) s (SANDBOX_FILTER_SECONDS): stopped\n",
            "--filter used more than \(memoryMB) MiB (SANDBOX_FILTER_MEMORY_MB): stopped\n")
        defer { sandbox_filter_guard_stop() }
        var out: [String] = []
        while true {
            let result = jq_next(state)
            if jv_get_kind(result) == JV_KIND_INVALID {
                if jq_halted(state) != 0 {
                    jv_free(result)
                    throw halt(after: out)
                }
                if jv_invalid_has_msg(jv_copy(result)) != 0 {
                    let message = JQFilter.text(of: jv_invalid_get_msg(result))
                    throw ToolError.filter("--filter failed: \(message)")
                }
                jv_free(result)
                return out
            }
            if raw && jv_get_kind(result) == JV_KIND_STRING {
                out.append(JQFilter.string(result))
            } else {
                out.append(JQFilter.dump(result, flags: compact ? 0 : Int32(2 << 8 | Int(JV_PRINT_PRETTY.rawValue))))
            }
        }
    }

    /// The exit code and message of `halt`/`halt_error`, as the jq program reads them.
    private func halt(after lines: [String]) -> Halt {
        let code = jq_get_exit_code(state)
        var status: Int32 = 0
        if jv_get_kind(code) == JV_KIND_NUMBER {
            let n = jv_number_value(code)
            status = n.isFinite && abs(n) < 1e9 ? Int32(truncatingIfNeeded: Int(n)) : 5
        } else if jv_is_valid(code) != 0 {
            status = 5
        }
        jv_free(code)
        let message = jq_get_error_message(state)
        let text: String
        switch jv_get_kind(message) {
        case JV_KIND_STRING: text = JQFilter.string(message)
        case JV_KIND_NULL, JV_KIND_INVALID: jv_free(message); text = ""
        default: text = JQFilter.dump(message, flags: 0) + "\n"
        }
        return Halt(lines: lines, code: status, message: text)
    }

    /// Consumes a string jv: all its bytes, NULs included.
    static func string(_ value: jv) -> String {
        let count = Int(jv_string_length_bytes(jv_copy(value)))
        let text = jv_string_value(value)!.withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }
        jv_free(value)
        return text
    }

    /// Consumes a jv and returns its JSON text.
    static func dump(_ value: jv, flags: Int32) -> String {
        string(jv_dump_string(value, flags))
    }

    /// Consumes a message jv: a string as it is, anything else as JSON.
    static func text(of message: jv) -> String {
        jv_get_kind(message) == JV_KIND_STRING ? string(message) : dump(message, flags: 0)
    }
}
