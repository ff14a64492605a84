/// Follows an API's pages until its token runs out: `NextToken` for EC2, CloudFormation and
/// JSON APIs, `NextContinuationToken` for S3 — the caller names where the token is.
public enum Pagination {
    /// Calls `page` with nil, then with each token it returns, collecting the items of every page.
    public static func all<T>(_ page: (String?) throws -> (items: [T], next: String?)) throws -> [T] {
        var items: [T] = []
        var token: String?
        var seen: Set<String> = []
        repeat {
            try Interrupt.check()
            let result = try page(token)
            items += result.items
            token = result.next.flatMap { $0.isEmpty ? nil : $0 }
            // A service that hands back the same token again would loop forever.
            if let t = token, !seen.insert(t).inserted { break }
        } while token != nil
        return items
    }
}
