"""Repairs to moto 5.2.5 for the asset tools (keypair, purge-assets).

- DeleteKeyPair by KeyPairId: moto reads only KeyName and answers success without deleting
  anything; AWS accepts either. A pair that does not exist is still a success, as on AWS.
- DeleteSecurityGroup of a group an instance still uses: moto deletes it; AWS answers
  DependencyViolation (API_DeleteSecurityGroup: "If you attempt to delete a security group that is
  associated with an instance ... the operation fails"), until the instance is terminated.
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


def _security_group_in_use() -> None:
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.security_groups import SecurityGroupBackend

    original = SecurityGroupBackend.delete_security_group

    def delete_security_group(self: Any, name: str | None = None, group_id: str | None = None) -> None:
        for instance in self.all_instances():
            groups = {g.id for g in instance.security_groups} | {g.name for g in instance.security_groups}
            if instance.state != "terminated" and {group_id, name} & groups - {None}:
                raise EC2ClientError("DependencyViolation", f"resource {group_id or name} has a dependent object")
        original(self, name=name, group_id=group_id)

    SecurityGroupBackend.delete_security_group = delete_security_group


def install() -> None:
    _delete_key_pair_by_id()
    _security_group_in_use()
