"""Repairs to moto 5.2.5 for the asset tools (keypair, purge-assets).

- DeleteKeyPair by KeyPairId: moto reads only KeyName and answers success without deleting
  anything; AWS accepts either. A pair that does not exist is still a success, as on AWS.
"""

from __future__ import annotations

from typing import Any


def _delete_key_pair_by_id() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.responses.key_pairs import KeyPairs

    original = KeyPairs.delete_key_pair

    def delete_key_pair(self: Any) -> Any:
        pair_id = self._get_param("KeyPairId")
        if not pair_id or self._get_param("KeyName"):
            return original(self)
        self.error_on_dryrun()
        pair = next((p for p in self.ec2_backend.key_pairs.values() if p.id == pair_id), None)
        if pair is not None:
            self.ec2_backend.delete_key_pair(pair.key_name)
        return ActionResult({"Return": True, "KeyPairId": pair_id if pair is not None else None})

    KeyPairs.delete_key_pair = delete_key_pair


def install() -> None:
    _delete_key_pair_by_id()
