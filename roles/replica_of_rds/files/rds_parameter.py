# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Print one parameter of an RDS DB parameter group as JSON (read-only, boto3).
# Run as `python -c` with a JSON request on stdin, so no credential is on a command line:
# {"group": ..., "name": ..., "region", "endpoint_url", "access_key", "secret_key", "session_token"}
import json
import sys

import boto3

request = json.load(sys.stdin)
kwargs = {"region_name": request.get("region") or None,
          "endpoint_url": request.get("endpoint_url") or None,
          "aws_access_key_id": request.get("access_key") or None,
          "aws_secret_access_key": request.get("secret_key") or None,
          "aws_session_token": request.get("session_token") or None}
client = boto3.client("rds", **dict((k, v) for k, v in kwargs.items() if v))
found = None
for page in client.get_paginator("describe_db_parameters").paginate(DBParameterGroupName=request["group"]):
    for parameter in page["Parameters"]:
        if parameter["ParameterName"] == request["name"]:
            found = parameter
print(json.dumps({"group": request["group"], "name": request["name"],
                  "value": (found or {}).get("ParameterValue"),
                  "apply_type": (found or {}).get("ApplyType"),
                  "source": (found or {}).get("Source")}))
