"""Radar's lists of values its rules block or allow (e-mails, IP addresses, card
fingerprints…), and their items.

Stripe announces no change of either: the lists (a few) are read in full again once a day,
and with them their items (each list embeds its first 10, the rest are listed with
``value_list=``). The items are customers' e-mails, IP addresses and card fingerprints, and a
list's record carries its first 10: neither stream is selected unless asked for.
"""

from __future__ import annotations

from tap_stripe_readonly.client import DAY, StripeChildStream, StripeStream
from tap_stripe_readonly.permissions import RADAR_VALUE_LIST_READ


class RadarValueListsStream(StripeStream):
    name = "radar_value_lists"
    path = "/v1/radar/value_lists"
    stripe_class = "radar.ValueList"
    object_name = "radar.value_list"
    permission = RADAR_VALUE_LIST_READ
    relisted_in_full = True
    relist_every = DAY
    selected_by_default = False


class RadarValueListItemsStream(StripeChildStream):
    name = "radar_value_list_items"
    path = "/v1/radar/value_list_items"
    parent_stream_type = RadarValueListsStream
    embedded_field = "list_items"
    parent_key = "value_list"
    stripe_class = "radar.ValueListItem"
    object_name = "radar.value_list_item"
    permission = RADAR_VALUE_LIST_READ
    selected_by_default = False
