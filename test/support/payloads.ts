/** Push bodies shaped like the vendor's samples (../shared/reference/tccc-data-push.md). */

export function sampleCdr(sdkAppId: number, sessionId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    SdkAppId: sdkAppId,
    SessionId: sessionId,
    Caller: "008640012346666",
    Callee: "008618412347605",
    Direction: 1,
    Duration: 0,
    SeatUser: {
      Mail: "zhangsan@example.com",
      Name: "Zhang San",
      Nick: "Youyou",
      Phone: "",
      UserId: "zhangsan@example.com",
      StaffNumber: "8546",
      SkillGroupNameList: ["Outbound Consultant"],
    },
    CallerLocation: "",
    IVRDuration: 0,
    RingTimestamp: 1677140072,
    AcceptTimestamp: 0,
    EndedTimestamp: 1677140081,
    IVRKeyPressed: null,
    IVRKeyPressedEx: null,
    HungUpSide: "seat",
    ServeParticipants: [
      {
        Mail: "zhangsan@example.com",
        Phone: "",
        RingTimestamp: 1677140068,
        AcceptTimestamp: 1677140069,
        EndedTimestamp: 1677140081,
        RecordId: "dbe87035-019c-4b1e-bf4f-c29701ad315d",
        Type: "miniProgramSeat",
        TransferFrom: "",
        TransferFromType: "",
        TransferTo: "",
        TransferToType: "",
        SkillGroupId: 2734,
        EndStatusString: "ok",
        Sequence: 0,
        StartTimestamp: 1677140068,
        SkillGroupName: "Outgoing Consultant",
        SkillGroupPriority: 0,
      },
    ],
    EndStatusString: "numberNotExist",
    StartTimestamp: 1677140068,
    QueuedTimestamp: 0,
    PostIVRKeyPressed: null,
    QueuedSkillGroupId: 2734,
    QueuedSkillGroupName: "Outbound Consultant",
    RecordId: "f65472d9-400a-4c1e-a51f-a49a55dab99a",
    UserRemark: "*****7605",
    Uui: "abc",
    TelLocation: { TelNumber: "008618412347605", Country: "China", Province: "Guizhou", City: "Anshun", Operator: "Mobile" },
    ...overrides,
  };
}

export function sampleRecord(sdkAppId: number, sessionId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    SdkAppId: sdkAppId,
    RecordId: "1608130650",
    SessionId: sessionId,
    Timestamp: 1608130650,
    EndpointUser: "lululing@tencent.com",
    RecordURL: "http://recorder-10018504.cos.ap-shanghai.myqcloud.com/def/month12",
    ...overrides,
  };
}

export function sampleVoicemail(sdkAppId: number, sessionId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    SdkAppId: sdkAppId,
    SessionId: sessionId,
    Timestamp: 1608130650,
    RecordURL: "http://recorder-10018504.cos.ap-shanghai.myqcloud.com/def/month12",
    EndpointUser: 13123456789,
    ...overrides,
  };
}
