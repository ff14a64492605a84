/// A command line split into words the way botocore splits `credential_process` (Python's
/// `shlex.split`, POSIX mode, no shell): blanks separate words; `'…'` keeps everything literally;
/// `"…"` keeps everything but `\"` and `\\`; outside quotes `\` keeps the next character.
/// Nothing is expanded (`$HOME`, `~`, globs stay as written).
enum ShellWords {
    /// The words, or nil for an unclosed quote or a trailing backslash.
    static func split(_ text: String) -> [String]? {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var chars = text.makeIterator()
        while let c = chars.next() {
            switch quote {
            case "'":
                if c == "'" { quote = nil } else { word.append(c) }
            case "\"":
                if c == "\"" {
                    quote = nil
                } else if c == "\\" {
                    guard let next = chars.next() else { return nil }
                    if next != "\"" && next != "\\" { word.append(c) }
                    word.append(next)
                } else {
                    word.append(c)
                }
            default:
                if c == " " || c == "\t" || c == "\n" || c == "\r" {
                    if inWord { words.append(word) }
                    word = ""
                    inWord = false
                    continue
                }
                inWord = true
                if c == "'" || c == "\"" {
                    quote = c
                } else if c == "\\" {
                    guard let next = chars.next() else { return nil }
                    word.append(next)
                } else {
                    word.append(c)
                }
            }
        }
        if quote != nil { return nil }
        if inWord { words.append(word) }
        return words
    }
}
