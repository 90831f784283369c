import Archive
import ArgumentParser
import Evidence
import Foundation
import Logging
import Nightly

struct HoldReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "release", abstract: "Release a hold; a reason is required and logged.")
    @Argument(help: "Hold number.") var id: Int64
    @Option(help: "Why the hold is released.") var reason: String
    @Option(help: "Who releases it.") var actor = NSUserName()
    @OptionGroup var archive: ArchiveOptions
    func run() throws {
        try archive.open().releaseHold(id, reason: reason, actor: actor)
        print("hold \(id) released")
    }
}
