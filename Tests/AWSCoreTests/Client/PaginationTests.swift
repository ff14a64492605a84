import Testing
@testable import AWSCore

struct PaginationTests {
    @Test func followsTheTokenUntilItRunsOut() throws {
        let pages: [String?: ([Int], String?)] = [nil: ([1, 2], "a"), "a": ([3], "b"), "b": ([4, 5], nil)]
        var asked: [String?] = []
        let items = try Pagination.all { token in
            asked.append(token)
            return pages[token]!
        }
        #expect(items == [1, 2, 3, 4, 5])
        #expect(asked == [nil, "a", "b"])
    }

    @Test func anEmptyTokenEndsTheListing() throws {
        var calls = 0
        let items = try Pagination.all { _ -> (items: [Int], next: String?) in
            calls += 1
            return ([calls], "")
        }
        #expect(items == [1])
    }

    @Test func aTokenHandedBackTwiceStopsInsteadOfLooping() throws {
        var calls = 0
        let items = try Pagination.all { token -> (items: [Int], next: String?) in
            calls += 1
            return ([calls], token == nil ? "same" : "same")
        }
        #expect(items == [1, 2])
        #expect(calls == 2)
    }
}
