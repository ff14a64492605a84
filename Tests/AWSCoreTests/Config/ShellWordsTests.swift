import Testing
@testable import AWSCore

/// `credential_process` is split as botocore splits it (`shlex.split`, no shell): each expected
/// value here is what Python 3.11's `shlex.split` returns for the same text.
struct ShellWordsTests {
    @Test(arguments: [
        ("aws-vault export --format=json prod", ["aws-vault", "export", "--format=json", "prod"]),
        (#""/opt/my tools/creds" "--name" "a b""#, ["/opt/my tools/creds", "--name", "a b"]),
        ("op run --  'x y'  z", ["op", "run", "--", "x y", "z"]),
        (#"a"b c"d"#, ["ab cd"]),
        ("a'b c'd", ["ab cd"]),
        (#"a\ b c"#, ["a b", "c"]),
        (#""a \"quoted\" b""#, [#"a "quoted" b"#]),
        (#""back\\slash" "keep\n""#, [#"back\slash"#, #"keep\n"#]),
        (#"'no \escape'"#, [#"no \escape"#]),
        ("''", [""]),
        (#"x """#, ["x", ""]),
        ("  lead   trail  ", ["lead", "trail"]),
        ("a#b #c", ["a#b", "#c"]),
        ("\ttab\tsep", ["tab", "sep"]),
    ])
    func splitsAsShlex(text: String, words: [String]) {
        #expect(ShellWords.split(text) == words)
    }

    @Test(arguments: [#""open"#, "'open", #"end\"#])
    func anOpenQuoteOrATrailingBackslashIsRefused(text: String) {
        #expect(ShellWords.split(text) == nil)
    }
}
