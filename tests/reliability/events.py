"""TensorBoard event files read the way TensorBoard shows them, without TensorFlow.

Files are read in name order (their names start with the creation time). A resumed writer opens a
new file with a `SessionLog.START` event at step s, which hides every earlier event at step >= s
(TensorBoard's purge). Nothing else is dropped, so a duplicated or out-of-order step stays visible
to the test. A record cut short by a crash ends its file, as in TensorBoard.
"""

import os
import struct

from tensorboardX.proto import event_pb2

_LENGTH = struct.Struct('<Q')
_CRC = 4  # bytes of each masked CRC32 (the records' checksums are not verified here)


def _events(path: str):
    with open(path, 'rb') as f:
        data = f.read()
    offset = 0
    while offset + _LENGTH.size + _CRC <= len(data):
        (length,) = _LENGTH.unpack_from(data, offset)
        start = offset + _LENGTH.size + _CRC
        end = start + length
        if end + _CRC > len(data):
            return  # torn last record
        yield event_pb2.Event.FromString(data[start:end])
        offset = end + _CRC


def scalar_steps(logdir: str) -> dict[str, list[int]]:
    """tag -> the steps of its scalar events, in the order TensorBoard holds them."""
    steps: dict[str, list[int]] = {}
    for name in sorted(os.listdir(logdir)):
        for event in _events(os.path.join(logdir, name)):
            if event.session_log.status == event_pb2.SessionLog.START:
                steps = {tag: [s for s in seen if s < event.step] for tag, seen in steps.items()}
            for value in event.summary.value:
                steps.setdefault(value.tag, []).append(event.step)
    return steps
