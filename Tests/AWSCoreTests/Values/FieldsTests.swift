import Testing
@testable import AWSCore

struct FieldsTests {
    @Test func typedFieldsAndAbsentOnes() throws {
        let f = try Fields(["s": "x", "n": .null, "o": ["k": 1], "a": [1, 2]], what: "input")
        #expect(try f.string("s") == "x")
        #expect(try f.string("n") == nil && f.string("missing") == nil)
        #expect(try f.requiredString("s") == "x")
        #expect(try f.object("o")?.map(\.0) == ["k"])
        #expect(try f.array("a")?.count == 2)
        #expect(try f.array("missing") == nil)
    }

    @Test func errorsNameTheInputTheFieldAndTheType() throws {
        let notObject = #expect(throws: ToolError.self) { try Fields([1], what: "request") }
        #expect(notObject?.description == "request must be a JSON object, got array")
        let f = try Fields(["s": 1, "e": ""], what: "asset 2")
        func message(_ body: () throws -> Void) -> String? {
            #expect(throws: ToolError.self, performing: body)?.description
        }
        #expect(message { _ = try f.string("s") } == "asset 2: 's' must be a string, got number")
        #expect(message { _ = try f.requiredString("e") } == "asset 2: missing 'e'")
        #expect(message { _ = try f.requiredString("absent") } == "asset 2: missing 'absent'")
        #expect(message { _ = try f.object("s") }?.contains("'s' must be an object") == true)
        #expect(message { _ = try f.array("s") }?.contains("'s' must be an array") == true)
    }

    @Test func unknownKeysAreRejectedWithTheAllowedOnesListed() throws {
        let f = try Fields(["ImageId": "ami-1", "Nmae": "x"], what: "input")
        let unknown = #expect(throws: ToolError.self) { try f.rejectUnknownKeys(allowed: ["ImageId", "Name"]) }
        #expect(unknown?.description == "input: unknown field 'Nmae' (expected ImageId, Name)")
        #expect(unknown?.exitCode == 2)
        #expect(throws: Never.self) { try f.rejectUnknownKeys(allowed: ["ImageId", "Name", "Nmae"]) }
    }
}
