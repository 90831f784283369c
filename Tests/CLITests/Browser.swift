import Foundation
import TestSupport

/// Headless Chromium (the distribution's, driven by Selenium from the project's Python) reading
/// the coverage page: Scripts/browser/coverage_dom.py clicks every calendar day, moves the
/// pointer and drags across minutes, and reports what the DOM then holds.
enum Browser {
    struct Spec: Encodable {
        struct Probe: Encodable {
            var day: String
            var minute: Int
        }
        struct Selection: Encodable {
            var day: String
            var from: Int
            var to: Int
        }
        var url: String
        var hover: [Probe] = []
        var select: Selection?
        var screenshot: String?
    }

    struct Page: Decodable {
        struct Day: Decodable {
            var key: String
            var clicked: String
            var share: Double
            var alert: Bool
            var selected: Bool
            /// Runs of one state as [state, start, end]; holds and extractions as [case, start, end].
            var states: [[Value]]
            var holds: [[Value]]
            var extracts: [[Value]]

            /// Every minute's state, expanded from the runs the timeline draws.
            var minutes: [String] {
                states.flatMap { run in Array(repeating: run[0].text, count: run[2].number - run[1].number) }
            }
        }
        struct Selection: Decodable {
            var text: String
            var segments: [[String]]
            var command: String
            /// The zoomed minutes around the selection, one rect each: [minute, state].
            var zoom: [[Value]]
        }
        var title: String
        var legend: [String]
        var targets: [[String]]
        var runs: [[String]]
        var archive: String
        var days: [Day]
        var hover: [String]
        var selection: Selection?
        /// Whether markup from the archive became an element or ran.
        var injected: Bool
    }

    enum Value: Decodable, Hashable {
        case text(String)
        case number(Int)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int.self) { self = .number(n) } else { self = .text(try c.decode(String.self)) }
        }
        var text: String { if case .text(let t) = self { t } else { "" } }
        var number: Int { if case .number(let n) = self { n } else { -1 } }
    }

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Renders `spec.url` and returns what the DOM showed.
    static func read(_ spec: Spec, work: String) throws -> Page {
        let specPath = work + "/browser-spec.json"
        let outPath = work + "/browser-out.json"
        try JSONEncoder().encode(spec).write(to: URL(fileURLWithPath: specPath))
        let (status, output) = try PythonScript.run("Scripts/browser/coverage_dom.py", [specPath, outPath])
        guard status == 0 else {
            throw Failed(
                description: "coverage_dom.py exited \(status) (Chromium and chromedriver from Debian, "
                    + "Selenium from Scripts/python-env.sh; Scripts/install-deps.sh installs them): \(output)")
        }
        return try JSONDecoder().decode(Page.self, from: Data(contentsOf: URL(fileURLWithPath: outPath)))
    }

    /// Where tests leave screenshots: .build/test-artefacts, outside git, kept after the run.
    static func artefact(_ name: String) throws -> String {
        let directory = Repository.path(".build/test-artefacts")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory + "/" + name
    }
}
