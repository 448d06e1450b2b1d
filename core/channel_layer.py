"""The Redis pub/sub channel layer, made to say when it may have missed messages.

Redis pub/sub keeps nothing: what is published while a process's subscriber connection
is down (Redis restarting, a network blip) never reaches that process. channels_redis
4.3 then reconnects and subscribes again without a word (its ``on_disconnect`` /
``on_reconnect`` options are accepted and ignored: django/channels_redis#406), so the
process's sockets would stay open, looking live, having silently missed those events,
until a later event happened to show the gap, or for good if none came.

Here, when the receiving connection fails, every channel of this process is sent
``{"type": "layer.interrupted"}`` (``INTERRUPTED``). ``core.consumers.LiveConsumer``
closes its socket with 4013 (try again later): the page says live updates are paused,
reconnects with back-off (refused while Redis is down) and then catches up from the
stored event log (resync). Durability comes from the log, not from Redis.

The layer's connections do not retry silently (redis-py's default for them is no
retries), so every lost connection surfaces here as an error of the receiving loop.
"""

import asyncio
import logging

from channels_redis import pubsub

logger = logging.getLogger(__name__)

INTERRUPTED = "layer.interrupted"


class _ShardConnection(pubsub.RedisSingleShardConnection):
    """channels_redis's connection to one Redis, telling its channels when receiving
    failed (the loop below is channels_redis 4.3's, plus that)."""

    async def _do_receiving(self):
        while True:
            try:
                if self._pubsub and self._pubsub.subscribed:
                    message = await self._pubsub.get_message(
                        ignore_subscribe_messages=True, timeout=0.1)
                    self._receive_message(message)
                else:
                    await asyncio.sleep(0.1)
            except (TimeoutError, asyncio.CancelledError, GeneratorExit):
                raise
            except Exception as error:
                self._interrupted(error)
                await asyncio.sleep(1)  # then get_message connects and subscribes again

    def _interrupted(self, error: Exception) -> None:
        layer = self.channel_layer  # this event loop's layer
        channels = list(layer.channels.values())
        if channels:
            logger.warning("Channel layer: receiving from Redis failed (%s); telling %d "
                           "local channel(s) that messages may have been missed.",
                           error, len(channels))
        message = layer.channel_layer.serialize({"type": INTERRUPTED})
        for queue in channels:
            queue.put_nowait(message)


class _LoopLayer(pubsub.RedisPubSubLoopLayer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._shards = [_ShardConnection(shard.host, self) for shard in self._shards]


class RedisPubSubChannelLayer(pubsub.RedisPubSubChannelLayer):
    """``channels_redis.pubsub.RedisPubSubChannelLayer`` that sends ``INTERRUPTED`` to
    its channels when its connection to Redis failed."""

    def _get_layer(self):
        loop = asyncio.get_running_loop()
        if loop not in self._layers:
            self._layers[loop] = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            pubsub._wrap_close(self, loop)
        return self._layers[loop]
