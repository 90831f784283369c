import Testing

@testable import TSAPI

/// The message variants the reference lists (§6.4, §8) that the simulator's defaults do not send.
@Suite(.timeLimit(.minutes(5))) struct ExportEventParsingTests {
    func parse(_ text: String) throws -> ExportEvent { try ExportEvent.parse(text, server: "s", after: "x") }

    @Test func legacyAndV1TimeoutAlertForms() throws {
        #expect(try parse(#"{"request":"timeoutAlert","ttl":2000}"#) == .timeoutAlert(ttlMilliseconds: 2000))
        #expect(try parse(#"{"stage":"timeoutAlert","ttl":2000}"#) == .timeoutAlert(ttlMilliseconds: 2000))
    }

    @Test func numericTaskIDsStringProgressAndSkips() throws {
        let ready = try parse(
            #"{"stage":"ready","status":{"code":0,"message":"Success"},"task":{"id":42,"ch":[1,"2"],"mediaSize":524288000}}"#)
        #expect(ready == .ready(code: 0, message: "Success", task: ReadyTask(id: "42", channels: [1, 2], mediaSize: 524_288_000)))
        #expect(try parse(#"{"stage":"channelSkip","overallProgress":"50%","channel":{"chid":3}}"#) == .channelSkip(channel: 3))
        #expect(try parse(#"{"stage":"channelSkip"}"#) == .channelSkip(channel: nil))
        #expect(try parse(#"{"stage":"somethingNew"}"#) == .unknown(stage: "somethingNew"))
    }

    @Test func brokenMessagesNameWhatIsMissing() throws {
        #expect(
            throws: TSAPIError.malformedMessage(
                server: "s", context: "after x (ready with code 0 but no task.id)",
                text: #"{"stage":"ready","status":{"code":0}}"#)
        ) {
            try parse(#"{"stage":"ready","status":{"code":0}}"#)
        }
        #expect(
            throws: TSAPIError.malformedMessage(
                server: "s", context: "after x (fileEnd without downloads)",
                text: #"{"stage":"fileEnd","channel":{"chid":1,"file":{"fid":0}}}"#)
        ) {
            try parse(#"{"stage":"fileEnd","channel":{"chid":1,"file":{"fid":0}}}"#)
        }
        let uppercaseMD5 = try parse(
            #"{"stage":"fileEnd","channel":{"chid":1,"file":{"fid":0,"ttl":10000,"download":[{"fileName":"a.SRT","src":"/d/t/a.SRT","md5":"ABCDEF"}]}}}"#
        )
        guard case .fileEnd(let end) = uppercaseMD5 else {
            Issue.record("not a fileEnd")
            return
        }
        #expect(end.downloads.first?.md5 == "abcdef" && end.downloads.first?.isSubtitle == true)
    }
}
