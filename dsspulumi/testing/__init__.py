"""Test helpers shipped with dsspulumi (users test their own backend set-ups with them too).

``dsspulumi.testing.moto_server.MotoServer``: an S3 endpoint (moto) that serves one
request at a time, with a fault switch and request statistics.
"""
